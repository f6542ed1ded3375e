"""What the portal's site and billing pages show: read-only views built from the same rules
the API answers with (who may bill, the plan's limit, the invoices)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from licensor.accounts import service as accounts
from licensor.accounts.service import AccountRow
from licensor.catalog import service as catalog
from licensor.catalog.rules import Product
from licensor.config import Settings
from licensor.core.documents import Document, seller
from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.subscriptions import access, changes, lifecycle, taxes
from licensor.subscriptions.enums import SubscriptionStatus
from licensor.subscriptions.models import (
    InvoiceRow,
    ProjectRow,
    SiteRow,
    SubscriptionRow,
)
from licensor.subscriptions.repository import SiteRepository, SubscriptionRepository
from licensor.tax import service as tax


@dataclass
class SiteView:
    site: SiteRow
    sub: SubscriptionRow
    product: Product
    role: str  # owner | staff | member
    can_bill: bool
    active_projects: int
    limit: int


def role_of(session: Session, site: SiteRow, account: AccountRow) -> str:
    if site.owner_id == account.id:
        return "owner"
    member = SiteRepository(session).member(site.id, account.id)
    return member.role if member is not None else "member"


def _view(session: Session, site: SiteRow, account: AccountRow) -> SiteView:
    sub = SubscriptionRepository(session).for_site(site.id)
    assert sub is not None  # every site is created with its subscription
    return SiteView(site=site, sub=sub, product=catalog.get_product(session, site.product),
                    role=role_of(session, site, account),
                    can_bill=access.can_bill(site, sub, account),
                    active_projects=SiteRepository(session).active_projects(site.id),
                    limit=access.project_limit(session, sub))


def my_sites(session: Session, account: AccountRow) -> list[SiteView]:
    return [_view(session, site, account)
            for site in SiteRepository(session).sites_of(account.id)]


def drive_subscriptions(session: Session, account: AccountRow) -> Sequence[SubscriptionRow]:
    return SubscriptionRepository(session).without_site_of(account.id)


def site_view(session: Session, account: AccountRow, site_id: str) -> SiteView:
    return _view(session, access.site_for(session, site_id, account), account)


def projects(session: Session, site: SiteRow) -> Sequence[ProjectRow]:
    return SiteRepository(session).projects(site.id)


def members(session: Session, site: SiteRow) -> list[dict[str, Any]]:
    owner = accounts.get_account(session, site.owner_id)
    rows = [{"account_id": site.owner_id, "email": owner.email if owner else "",
             "name": owner.name if owner else "", "role": "owner"}]
    for m in SiteRepository(session).members(site.id):
        person = accounts.get_account(session, m.account_id)
        rows.append({"account_id": m.account_id, "email": person.email if person else "",
                     "name": person.name if person else "", "role": m.role})
    return rows


@dataclass(frozen=True)
class PastDue:
    """The billing page's banner: what the declined renewal costs, and when it is tried again."""

    amount: Money
    next_attempt: datetime | None


def past_due(session: Session, view: SiteView) -> PastDue | None:
    if view.sub.status != SubscriptionStatus.PAST_DUE:
        return None
    return PastDue(lifecycle.open_renewal(session, view.sub), view.sub.next_payment_attempt_at)


def billing_reason(view: SiteView) -> str | None:
    """Why this account sees billing read-only (None when it may change it)."""
    if view.can_bill:
        return None
    return ("Only the site's owner or its billing admin can change the plan, cancel or see "
            "invoices; you are " + ("staff" if view.role == "staff" else "a member")
            + " of this site. Ask the owner to make you its billing admin.")


def invoices(session: Session, account: AccountRow, view: SiteView) -> Sequence[InvoiceRow]:
    access.require_billing(view.site, view.sub, account)
    return SubscriptionRepository(session).invoices(view.sub.id, limit=500)


def invoice_of(session: Session, account: AccountRow, view: SiteView,
               invoice_id: str) -> InvoiceRow:
    for row in invoices(session, account, view):
        if row.id == invoice_id:
            return row
    raise LicensorError("INVOICE_NOT_FOUND", "There is no such invoice of this site; pick one "
                        "from the site's billing page.", {"invoice_id": invoice_id[:60]},
                        status=404)


def invoice_document(settings: Settings, view: SiteView, account_email: str,
                     row: InvoiceRow) -> Document:
    """A subscription invoice: numbered <site's subscription>-<n>, paid by card at issue."""
    def m(amount: int) -> Money:
        return Money(amount, row.currency)
    return Document(
        title="Invoice", number=f"{view.sub.id[:8].upper()}-{row.number:04d}",
        date=row.created_at, seller=seller(settings),
        buyer={"name": view.site.name, "email": account_email},
        lines=[{"description": x["description"], "amount": m(x["amount"])} for x in row.lines],
        # Taxed: the tax is on what was left after credit, so the total is what was paid.
        total=m(row.amount_paid if row.tax else row.net), credit_applied=m(row.credit_applied),
        paid=m(row.amount_paid),
        product=view.product.name, terms="Paid by card when issued.",
        how_to_pay="Nothing to pay: charged to the card on file.",
        **tax.document_fields(row.tax, row.currency))


def subscribe_preview(ctx: Any, session: Session, account: AccountRow, view: SiteView,
                      form: dict[str, str], now: datetime) -> dict[str, Any]:
    """What the Subscribe form would charge, before it is sent: the plan, its price, discount,
    credit, tax, the amount charged today, the first period's end; and, during a trial, that
    subscribing ends it now. Raises the refusal Subscribe would give (e.g. COUNTRY_REQUIRED)."""
    plans = view.product.plans or ()
    plan = form.get("plan") or (plans[0].code if plans else "")
    interval = "year" if form.get("interval") == "year" else "month"
    details = taxes.details_from_form(ctx, session, form, account.name, view.site.id)
    bill, first = changes.preview_subscribe(session, account, changes.SubscribeRequest(
        product=None, plan=plan, interval=interval, card_token="", site_id=view.site.id,
        coupon=(form.get("coupon") or "").strip() or None, billing_details=details), now)
    s = bill.settlement
    return {"label": bill.lines[0].description, "price": bill.lines[0].amount,
            "discount": bill.discount if bill.discount.amount else None,
            "credit_applied": s.credit_applied if s.credit_applied.amount else None,
            "tax_line": tax.tax_line(s.tax),
            "tax_amount": Money(int(s.tax["amount"]), s.amount_due.currency) if s.tax else None,
            "due_today": s.amount_due, "period_end": first.end, "renewal_price": bill.basis,
            "interval": interval,
            "trial_end": view.sub.current_period_end if view.sub.status == SubscriptionStatus.TRIALING else None}
