"""Subscription invoices taxed by the subscription's billing details (licensor.tax): the tax is
on what the card pays, after the coupon and the credit balance, and the card pays it too."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from licensor.core.money import Money
from licensor.subscriptions.repository import SubscriptionRepository
from licensor.subscriptions.rules import PeriodBill, PlanChange, Settlement
from licensor.tax import billing_details, rates
from licensor.tax import service as tax

Bill = TypeVar("Bill", PeriodBill, PlanChange)


def taxed(session: Session, details: dict[str, Any] | None, bill: Bill, at: datetime) -> Bill:
    """The bill with its settlement's amount due taxed (the same bill when untaxed)."""
    s = bill.settlement
    stored = billing_details.invoice_tax(session, details, s.amount_due, at)
    if stored is None:
        return bill
    due = Money(int(stored["subtotal"]) + int(stored["amount"]), s.amount_due.currency)
    return replace(bill, settlement=replace(s, amount_due=due, tax=stored))


def preview_tax(s: Settlement) -> dict[str, Any]:
    """`subtotal` and `tax` of a plan change (its preview and the change itself): what the card
    pays before tax, and the tax (`not_collected` when the subscription is untaxed)."""
    return tax.tax_view(s.tax, s.amount_due)


def details_for_subscribe(ctx: Any, session: Session, data: Any,
                          site_id: str | None) -> dict[str, Any] | None:
    """The billing details a new subscription starts with: those sent (checked), or none when
    the vendor collects no tax or the site's subscription has them already; else 422
    COUNTRY_REQUIRED."""
    if data is not None:
        return billing_details.billing_details(ctx, session, data)
    if not tax.collects(ctx.settings):
        return None
    existing = SubscriptionRepository(session).for_site(site_id) if site_id else None
    if existing is not None and existing.billing_details:
        return None
    raise tax.country_required("billing_details")


def details_from_form(ctx: Any, session: Session, form: dict[str, str], name: str,
                      site_id: str) -> dict[str, Any] | None:
    """The billing page's Subscribe form's Country and VAT ID as billing details (the account's
    name is who is invoiced)."""
    country = (form.get("country") or "").strip()
    data = None if not country else {"name": name or "Customer", "country": country,
                                     "vat_id": (form.get("vat_id") or "").strip() or None}
    return details_for_subscribe(ctx, session, data, site_id)


def country_options(settings: Any) -> list[tuple[str, str]]:
    """The Country select of the Subscribe form; none when no tax is collected."""
    return rates.country_options() if tax.collects(settings) else []
