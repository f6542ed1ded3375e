"""The console's license pages: search, and a license with everything about it. Resending
License Information is open to support; revoking is for administrators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from licensor.accounts import service as accounts
from licensor.catalog import service as catalog
from licensor.core import audit
from licensor.core.errors import LicensorError
from licensor.core.web import console
from licensor.core.web.confirm import confirm_page, confirmed
from licensor.core.web.console import Staff, StaffAdmin
from licensor.core.web.deps import Ctx, ReadSession, WriteSession, now_for
from licensor.core.web.portal import Form, redirect
from licensor.licenses import holder
from licensor.licenses import service as licenses
from licensor.staff.licenses import search

router = APIRouter(include_in_schema=False)


@router.get("/admin/licenses")
def find_form(request: Request, _staff: Staff) -> Response:
    # The search itself is a POST: a pasted License Key never lands in a URL, so never in the
    # browser's history nor a proxy's or server's access log. A `q` in the URL is ignored.
    return console.render(request, "admin/licenses.html", q="", results=[], searched=False)


@router.post("/admin/licenses")
def find(request: Request, session: ReadSession, _staff: Staff, form: Form) -> Response:
    """A search changes nothing, so its answer is the results page itself (no redirect: that
    would put the query back into a URL)."""
    q = form.get("q", "")
    rows = search.search(session, q[:5000]) if q.strip() else []
    return console.render(request, "admin/licenses.html", q=q, results=rows,
                          searched=bool(q.strip()))


def _page(request: Request, session: Session, license_id: str, *, notice: str = "",
          errors: dict[str, str] | None = None, status: int = 200) -> Response:
    found = search.dossier(session, license_id)
    product = catalog.get_product(session, found.license.product)
    return console.render(request, "admin/license.html", status=status, d=found,
                          product=product, notice=notice, errors=errors or {},
                          users=holder.registered_users(session, found.license),
                          notice_key=request.query_params.get("done", ""),
                          names=accounts.audit_names(session, found.audit))


@router.get("/admin/licenses/{license_id}")
def show(request: Request, session: ReadSession, _staff: Staff, license_id: str) -> Response:
    return _page(request, session, license_id)


@router.post("/admin/licenses/{license_id}/resend")
def resend(request: Request, ctx: Ctx, session: WriteSession, member: Staff, form: Form,
           license_id: str) -> Response:
    now = now_for(ctx, session)
    row = licenses.get_license(session, license_id)
    try:
        to = holder.resend(session, row, catalog.get_product(session, row.product).name, now)
    except LicensorError as exc:
        return _page(request, session, license_id, status=exc.status,
                     errors={"resend": exc.message, "_code": exc.code})
    audit.record(session, actor=member.actor, action="license.information_resent",
                 entity_type="license", entity_id=row.id, before=None, after={"to": to},
                 now=now)
    return redirect(request, f"/admin/licenses/{license_id}?done=resent")


@router.post("/admin/licenses/{license_id}/revoke")
def revoke(request: Request, ctx: Ctx, session: WriteSession, member: StaffAdmin, form: Form,
           license_id: str) -> Response:
    reason = form.get("reason", "").strip()
    if not reason or len(reason) > 2000:
        return _page(request, session, license_id, status=422,
                     errors={"reason": "Give the reason for revoking (up to 2,000 characters): "
                                       "it is kept in the audit log."})
    if not confirmed(form):
        row = licenses.get_license(session, license_id)
        return confirm_page(request, form, title=f"Revoke the license of {row.license_name}",
                            what=[("Its License Key stops validating at once: every registered "
                                  "user loses access, and offline verifiers learn it from the "
                                  "revocation list."), f"Reason kept in the audit log: {reason}"],
                            button="Revoke", back=f"/admin/licenses/{license_id}")
    try:
        licenses.revoke(ctx, session, license_id, reason, now=now_for(ctx, session),
                        actor=member.actor)
    except LicensorError as exc:
        if exc.code == "LICENSE_NOT_FOUND":
            raise
        return _page(request, session, license_id, status=exc.status,
                     errors={"reason": exc.message, "_code": exc.code})
    return redirect(request, f"/admin/licenses/{license_id}?done=revoked")
