"""The console's log-in and log-out, and who is signed in to it (registered with core's
console plumbing so every capability's admin pages can ask)."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response

from licensor.core.errors import LicensorError
from licensor.core.web import console
from licensor.core.web.console import STAFF_COOKIE, StaffMember
from licensor.core.web.deps import Ctx, WriteSession, commit, now_for
from licensor.core.web.portal import Form, redirect, set_cookie
from licensor.staff import service as staff

router = APIRouter(include_in_schema=False)


def _from_cookie(request: Request) -> StaffMember | None:
    token = request.cookies.get(STAFF_COOKIE, "")
    if not token or len(token) > 200:
        return None
    ctx = request.app.state.ctx
    now = ctx.clock.real_now()  # sessions run on real time, never the sandbox clock
    with ctx.db.reader() as session:
        found = staff.authenticate(session, token, now)
        if found is None:
            return None
        row, member = found[0], staff.member(found[1])
    if staff.needs_touch(row, now):
        with ctx.db.transaction() as session:
            staff.touch(session, row.token_hash, now)
    return member


console.authenticate = _from_cookie


def _next(url: str) -> str:
    """Only a console path: a login link cannot send anyone elsewhere."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not url.startswith("/admin") or url.startswith("//"):
        return "/admin"
    return url


@router.get("/admin/login")
def login_form(request: Request) -> Response:
    return console.render(request, "admin/login.html", errors={},
                          form={"next": request.query_params.get("next", "/admin")})


@router.post("/admin/login")
def login(request: Request, ctx: Ctx, session: WriteSession, form: Form) -> Response:
    try:
        _row, token = staff.log_in(session, email=form.get("email", ""),
                                   password=form.get("password", ""),
                                   now=now_for(ctx, session), session_now=ctx.clock.real_now())
    except LicensorError as exc:
        commit(ctx, session)  # the failure counts towards the lockout
        return console.render(request, "admin/login.html", status=exc.status, form=form,
                              errors={"password": exc.message, "_code": exc.code})
    response = redirect(request, _next(form.get("next", "/admin")))
    set_cookie(request, response, STAFF_COOKIE, token,
               max_age=int(staff.SESSION_LIFETIME.total_seconds()))
    return response


@router.post("/admin/logout")
def logout(request: Request, ctx: Ctx, session: WriteSession, form: Form) -> Response:
    token = request.cookies.get(STAFF_COOKIE, "")
    if token and len(token) <= 200:
        staff.end_session(session, token, ctx.clock.real_now())
    response = redirect(request, "/admin/login")
    response.delete_cookie(STAFF_COOKIE, path="/")
    return response


@router.get("/admin/logout")
def logout_get(request: Request) -> Response:
    """A link to /admin/logout ends nothing by itself (no state change on GET): it shows the
    button."""
    return console.render(request, "admin/logout.html")
