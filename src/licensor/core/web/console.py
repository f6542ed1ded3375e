"""The admin console's plumbing: who is signed in to it and what their role lets them do.

Core knows no staff capability: the staff capability registers `authenticate` (like
portal.signed_in), and every capability's `admin_pages.py` asks for `Staff` or `StaffAdmin`.
A visitor without a console session is sent to /admin/login; a support member asking for an
administrator's action gets the 403 page with code FORBIDDEN (the API's code).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import Response

from licensor.core.errors import LicensorError
from licensor.core.web import portal

STAFF_COOKIE = "licensor_staff_session"
ROLES = ("admin", "support")


@dataclass(frozen=True)
class StaffMember:
    id: str
    email: str
    role: str

    @property
    def actor(self) -> str:
        """How the audit log names them."""
        return f"staff:{self.email}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


# Set by the staff capability: the member whose console session the request carries, or None.
authenticate: Callable[[Request], StaffMember | None] | None = None


class NotSignedIn(Exception):
    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def current_staff(request: Request) -> StaffMember | None:
    """Looked up once a request (kept on request.state, where the refusal page finds it)."""
    seen = request.state.__dict__
    if "staff" not in seen:
        seen["staff"] = authenticate(request) if authenticate is not None else None
    member: StaffMember | None = seen["staff"]
    return member


def require_staff(request: Request) -> StaffMember:
    member = current_staff(request)
    if member is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise NotSignedIn(target)
    return member


def forbidden(what: str) -> LicensorError:
    return LicensorError("FORBIDDEN", f"Only an administrator can {what}; your role is "
                         "support. Ask an administrator to do it.", {"role": "support"},
                         status=403)


def require_admin_role(request: Request) -> StaffMember:
    member = require_staff(request)
    if not member.is_admin:
        raise forbidden("do this")
    return member


Staff = Annotated[StaffMember, Depends(require_staff)]
StaffAdmin = Annotated[StaffMember, Depends(require_admin_role)]


def render(request: Request, template: str, status: int = 200, **values: Any) -> Response:
    """A console page: the portal's rendering, with the signed-in member for the header."""
    return portal.render(request, template, status=status, staff=current_staff(request),
                         **values)


def install(app: Any) -> None:
    @app.exception_handler(NotSignedIn)
    async def _login(request: Request, exc: NotSignedIn) -> Response:
        return portal.redirect(request, "/admin/login?next=" + quote(exc.next_url, safe="/"))
