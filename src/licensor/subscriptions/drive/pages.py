"""/google-drive: a signed-in customer subscribes a Google account to Balsamiq for Google
Drive (Google ID, plan, billing interval, card) through the service POST /v1/subscriptions
calls, and sees the Google Drive subscriptions they pay for."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from licensor.accounts.deps import page_account
from licensor.accounts.service import AccountRow
from licensor.catalog import service as catalog
from licensor.catalog.rules import Product
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.formats import money
from licensor.core.web.deps import Ctx, ReadSession, WriteSession, now_for
from licensor.core.web.portal import Form, redirect, render, stripe_key
from licensor.subscriptions import changes, overview

router = APIRouter(include_in_schema=False)

PRODUCT = "google-drive"
INTERVALS = [("month", "Monthly"), ("year", "Yearly")]
FIELD_OF = {"UNKNOWN_PLAN": "plan", "ALREADY_SUBSCRIBED": "google_id",
            "CURRENCY_MISMATCH": "plan", "SINGLE_USER_ONLY": "google_id"}
NOTICES = {"subscribed": "Subscribed: the Google account can use Balsamiq for Google Drive now."}


def plan_options(product: Product) -> list[tuple[str, str]]:
    """Each plan with its prices, so the choice is made knowing what it costs."""
    return [(p.code, (f"{p.name}: {money(p.price('month'))} a month or "
                      f"{money(p.price('year'))} a year")) for p in product.plans or ()]


def _page(request: Request, ctx: Context, session: Session, account: AccountRow | None, *,
          form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
          status: int = 200) -> Response:
    product = catalog.get_product(session, PRODUCT)
    options = plan_options(product)
    return render(request, "subscriptions/google_drive.html", status=status, product=product,
                  plan_options=options, intervals=INTERVALS, errors=errors or {},
                  form=form or {"plan": options[0][0] if options else "", "interval": "month",
                                "card_token": "tok_visa" if ctx.settings.sandbox else ""},
                  sandbox=ctx.settings.sandbox, stripe_key=stripe_key(request),
                  drive=overview.drive_subscriptions(session, account) if account else [],
                  notice=NOTICES.get(request.query_params.get("done", ""), ""))


@router.get("/google-drive")
def google_drive(request: Request, ctx: Ctx, session: ReadSession) -> Response:
    return _page(request, ctx, session, page_account(request))


@router.post("/google-drive")
def google_drive_subscribe(request: Request, ctx: Ctx, session: WriteSession,
                           form: Form) -> Response:
    account = page_account(request)
    if account is None:
        return redirect(request, "/login?next=/google-drive")
    google_id = form.get("google_id", "").strip()
    interval = form.get("interval", "month")
    try:
        if not google_id or len(google_id) > 320:
            raise LicensorError("INVALID_REQUEST", "Enter the Google ID (the Google account's "
                                "email address) to subscribe.", {"field": "google_id"})
        changes.subscribe(ctx, session, account, changes.SubscribeRequest(
            product=PRODUCT, plan=form.get("plan", ""),
            interval=interval if interval in ("month", "year") else "month",
            card_token=form.get("card_token", "").strip(), google_id=google_id),
            now_for(ctx, session))
    except LicensorError as exc:
        field = FIELD_OF.get(exc.code, "card_token")
        if exc.code == "INVALID_REQUEST":
            field = str(exc.details.get("field", "google_id"))
        return _page(request, ctx, session, account, form=form, status=exc.status,
                     errors={field: exc.message, "_code": exc.code})
    return redirect(request, "/google-drive?done=subscribed")
