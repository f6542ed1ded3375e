"""The console's marketplace migrations: open requests oldest first; a request's page completes
it with the marketplace's SEN or rejects it with a reason told to the customer."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from licensor.core.errors import LicensorError
from licensor.core.web import console
from licensor.core.web.confirm import confirm_page, confirmed
from licensor.core.web.console import Staff, StaffAdmin
from licensor.core.web.deps import Ctx, ReadSession, WriteSession, now_for
from licensor.core.web.portal import Form, redirect
from licensor.licenses.rules import check_sen
from licensor.marketplace import rules
from licensor.marketplace import service as marketplace

router = APIRouter(include_in_schema=False)
SHOWN = 200


@router.get("/admin/migrations")
def migration_list(request: Request, session: ReadSession, _staff: Staff,
                   status: str = "open") -> Response:
    rows = marketplace.page(session, marketplace.statuses_for(status), limit=SHOWN)
    return console.render(request, "admin/migrations.html", rows=rows, chosen=status,
                          statuses=("open", "all", *rules.STATUSES), users=rules.users)


def _page(request: Request, session: Session, migration_id: str, *,
          errors: dict[str, str] | None = None, form: dict[str, str] | None = None,
          status: int = 200) -> Response:
    row = marketplace.get_migration(session, migration_id)
    return console.render(request, "admin/migration.html", status=status, m=row,
                          users=rules.users, errors=errors or {}, form=form or {},
                          is_open=row.status in rules.OPEN_STATUSES,
                          done=request.query_params.get("done", ""))


@router.get("/admin/migrations/{migration_id}")
def migration_page(request: Request, session: ReadSession, _staff: Staff,
                   migration_id: str) -> Response:
    return _page(request, session, migration_id)


@router.post("/admin/migrations/{migration_id}/complete")
def complete(request: Request, ctx: Ctx, session: WriteSession, member: StaffAdmin, form: Form,
             migration_id: str) -> Response:
    """**Complete**, after a confirmation step naming the SEN (checked before asking)."""
    try:
        if not confirmed(form):
            sen = check_sen(form.get("sen", ""))
            row = marketplace.get_migration(session, migration_id)
            return confirm_page(
                request, form, title=f"Complete the migration of {row.organisation}",
                what=[(f"The license moves to the marketplace as {sen}; Licensor no longer "
                      "sells or renews it."), "The customer is mailed."],
                button="Complete", back=f"/admin/migrations/{migration_id}", danger=False)
        marketplace.complete(ctx, session, migration_id, form.get("sen", ""),
                             now=now_for(ctx, session), actor=member.actor)
    except LicensorError as exc:
        return _refused(request, session, migration_id, form, "sen", exc)
    return redirect(request, f"/admin/migrations/{migration_id}?done=completed")


def _refused(request: Request, session: Session, migration_id: str, form: dict[str, str],
             field: str, exc: LicensorError) -> Response:
    """A Complete or Reject refused: the page again, the message beside `field` (an unknown
    migration stays the 404 it is)."""
    if exc.code == "MIGRATION_NOT_FOUND":
        raise exc
    session.rollback()
    return _page(request, session, migration_id, status=exc.status, form=form,
                 errors={field: exc.message, "_code": exc.code})


@router.post("/admin/migrations/{migration_id}/reject")
def reject(request: Request, ctx: Ctx, session: WriteSession, member: StaffAdmin, form: Form,
           migration_id: str) -> Response:
    """**Reject**, after a confirmation step quoting the reason the customer will read (a
    blank reason is refused at once)."""
    reason = " ".join(form.get("reason", "")[:2000].split())
    if reason and not confirmed(form):
        row = marketplace.get_migration(session, migration_id)
        return confirm_page(request, form, title=f"Reject the migration of {row.organisation}",
                            what=[("The request is closed and the customer is mailed this "
                                  f"reason: “{reason[:300]}”")],
                            button="Reject", back=f"/admin/migrations/{migration_id}")
    try:
        marketplace.reject(ctx, session, migration_id, form.get("reason", "")[:2000],
                           now=now_for(ctx, session), actor=member.actor)
    except LicensorError as exc:
        return _refused(request, session, migration_id, form, "reason", exc)
    return redirect(request, f"/admin/migrations/{migration_id}?done=rejected")
