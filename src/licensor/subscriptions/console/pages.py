"""The console's subscriptions: search by site, owner or Google ID; a subscription's page with
its invoices, plan changes, credit and dunning state, and Cancel subscription."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from licensor.accounts import service as accounts
from licensor.core.errors import LicensorError
from licensor.core.formats import human_date
from licensor.core.web import console
from licensor.core.web.confirm import confirm_page, confirmed
from licensor.core.web.console import Staff, StaffAdmin
from licensor.core.web.deps import Ctx, ReadSession, WriteSession, now_for
from licensor.core.web.portal import Form, redirect
from licensor.subscriptions import changes
from licensor.subscriptions.console import service as subscriptions
from licensor.subscriptions.enums import SubscriptionStatus
from licensor.subscriptions.models import SubscriptionRow

router = APIRouter(include_in_schema=False)


@router.get("/admin/subscriptions")
def find(request: Request, session: ReadSession, _staff: Staff, q: str = "") -> Response:
    return console.render(request, "admin/subscriptions.html", q=q,
                          results=subscriptions.search(session, q), searched=bool(q.strip()))


@router.get("/admin/subscriptions/{subscription_id}")
def show(request: Request, session: ReadSession, _staff: Staff,
         subscription_id: str) -> Response:
    return _page(request, session, subscription_id)


def _page(request: Request, session: Session, subscription_id: str, *,
          errors: dict[str, str] | None = None, status: int = 200) -> Response:
    found = subscriptions.dossier(session, subscription_id)
    return console.render(request, "admin/subscription.html", status=status, d=found,
                          names=accounts.audit_names(session, found.audit),
                          errors=errors or {}, done=request.query_params.get("done", ""))


@router.post("/admin/subscriptions/{subscription_id}/cancel")
def cancel(request: Request, ctx: Ctx, session: WriteSession, member: StaffAdmin, form: Form,
           subscription_id: str) -> Response:
    """**Cancel subscription** (administrators), after a confirmation step."""
    found = subscriptions.dossier(session, subscription_id)
    if not confirmed(form):
        who = found.site.name if found.site else found.sub.google_id
        return confirm_page(request, form, title=f"Cancel the subscription of {who}",
                            what=[_what_cancel_does(found.sub), "The owner is mailed."],
                            button="Cancel subscription",
                            back=f"/admin/subscriptions/{subscription_id}")
    try:
        changes.cancel_by_staff(session, subscription_id, member.actor, now_for(ctx, session))
    except LicensorError as exc:
        session.rollback()
        return _page(request, session, subscription_id, status=exc.status,
                     errors={"cancel": exc.message, "_code": exc.code})
    return redirect(request, f"/admin/subscriptions/{subscription_id}?done=canceled")


def _what_cancel_does(sub: SubscriptionRow) -> str:
    if sub.status == SubscriptionStatus.PAST_DUE:
        return ("Its unpaid renewal is no longer tried and nothing more is charged; access "
                "ends at the next lifecycle run.")
    return ("No further renewal is charged; access continues until "
            f"{human_date(sub.current_period_end)}, the end of the paid period.")
