"""The checkout's order summary when the vendor collects tax: the quote's lines, then the
subtotal, the tax line for the country chosen ("VAT 19%", "Reverse charge") and the total,
worked out as the order will be (nothing is stored until the buyer pays)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.orders import service as orders
from licensor.orders.models import OrderRow, QuoteRow
from licensor.orders.quotes import service as quotes
from licensor.tax import service as tax
from licensor.tax.rates import country_options  # noqa: F401  (the checkout's select)

# Where a tax refusal goes on the checkout form.
TAX_FIELDS = {"COUNTRY_REQUIRED": "country", "INVALID_VAT_ID": "vat_id",
              "TAX_RATE_MISSING": "country"}


def summary(ctx: Context, session: Session, quote: QuoteRow, form: dict[str, str],
            now: datetime) -> tuple[dict[str, Any], dict[str, str]]:
    """(the summary, errors for the form): the tax as an order with this form would carry."""
    total = Money(quote.total_amount, quote.currency)
    if not tax.collects(ctx.settings):
        return {"collects": False, "total": total}, {}
    price = tax.price_of(quote.tax, total)
    found: dict[str, Any] = {"collects": True, "subtotal": price, "tax_line": None,
                             "tax_amount": None, "total": price}
    try:
        customer = tax.customer_of({"country": form.get("country") or None,
                                    "vat_id": (form.get("vat_id") or "").strip() or None},
                                   "buyer")
        stored = tax.assess(ctx, session, price, customer, now=now, where="buyer",
                            required=False)
    except LicensorError as exc:
        field = TAX_FIELDS.get(exc.code, "country")
        return found, {field: exc.message, "_code": exc.code, "_field": field}
    if stored.get("treatment") is None:  # no country yet
        return found, {}
    return {**found, **tax.document_fields(stored, quote.currency),
            "total": Money(tax.total_of(stored), quote.currency)}, {}


def retax(ctx: Context, session: Session, order: OrderRow, buyer: dict[str, Any],
          now: datetime, client_address: str | None) -> None:
    """An unpaid order kept after a declined card, paid again with another Country or VAT ID:
    its buyer's country, VAT ID, tax and total become the corrected ones."""
    kept = order.buyer or {}
    if order.status != "awaiting_payment" or (
            (buyer.get("country") or None, buyer.get("vat_id") or None)
            == (kept.get("country"), kept.get("vat_id"))):
        return
    quote = quotes.get_quote(session, order.quote_id)
    checked, stored = orders.taxed_buyer(ctx, session, quote, {**kept, **{
        k: buyer.get(k) for k in ("country", "vat_id")}}, now, client_address)
    order.buyer = {k: v for k, v in checked.items() if v is not None}
    order.tax, order.total_amount = stored, tax.total_of(stored)
    session.flush()
