"""The Discount code field of step 3 (/checkout/{quote}), shared by buy, upgrade and renew.

**Apply** asks the quotes service for the same quote again with the code (POST /v1/quotes with
`coupon`): the discount is a line of its own and the page moves to that new quote, so the price
shown is the one Pay now / Place order charges. An empty field asks for the quote without a
coupon. A refused code leaves the page on the quote it was showing, with the service's message
next to the field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.licenses import service as licenses
from licensor.orders.coupons import service as coupons
from licensor.orders.enums import QuoteKind
from licensor.orders.models import QuoteRow
from licensor.orders.quotes import service as quotes

FIELD = "coupon"
# Refusals shown next to the Discount code field, whether met on Apply or when ordering/paying.
COUPON_CODES = {"UNKNOWN_COUPON", "COUPON_EXPIRED", "COUPON_NOT_APPLICABLE",
                "COUPON_EXHAUSTED", "COUPON_ALREADY_USED"}
# What a quote of kind "new" asked for besides product and seats, kept in its details.
NEW_EXTRAS = ("academic", "institution")


def applied_code(quote: QuoteRow) -> str:
    """The code the quote was priced with ("" without one): the field's value on step 3."""
    coupon = coupons.coupon_of(quote)
    return str(coupon["code"]) if coupon else ""


def requote_body(session: Session, quote: QuoteRow, code: str) -> dict[str, Any]:
    """The quote request that gives `quote` again, with `code` as its coupon (None: none)."""
    body: dict[str, Any] = {"kind": quote.kind, "coupon": code or None}
    details = quote.details or {}
    if quote.kind == QuoteKind.NEW:
        body.update(product=quote.product, seats=quote.seats)
        body.update({k: details[k] for k in NEW_EXTRAS if details.get(k) is not None})
        if isinstance(details.get("companion"), dict):
            body["companion"] = _companion(session, details["companion"])
        return body
    if quote.kind not in (QuoteKind.UPGRADE, QuoteKind.RENEWAL) or not quote.license_id:
        raise LicensorError("COUPON_NOT_APPLICABLE", "A discount code cannot be added to this "
                            "quote here; ask for a new quote with the code.",
                            {"reason": "kind", "kind": quote.kind})
    row = licenses.get_license(session, quote.license_id)
    body.update(license_name=row.license_name, license_key=row.license_key)
    if quote.kind == QuoteKind.UPGRADE:
        body.update(seats=quote.seats, product=quote.product)
    return body


def _companion(session: Session, qualified: dict[str, Any]) -> dict[str, Any]:
    """The companion qualification of a quote, asked for again: the server license's current
    License Information. A site's qualification needs its owner's or staff's sign-in, which
    this page does not have."""
    if qualified.get("via") != "license" or not qualified.get("license_id"):
        raise LicensorError("COUPON_NOT_APPLICABLE", "This quote has the companion price of "
                            "your site, which this page cannot ask for again; ask for a new "
                            "quote with the code (POST /v1/quotes with coupon).",
                            {"reason": "companion"})
    row = licenses.get_license(session, str(qualified["license_id"]))
    return {"license_name": row.license_name, "license_key": row.license_key}


def requote(ctx: Context, session: Session, quote_id: str, code: str, *,
            now: datetime) -> QuoteRow:
    """The quote `quote_id` priced again with `code` (blank: without a coupon)."""
    quote = quotes.get_quote(session, quote_id)
    code = code.strip()
    if code.casefold() == applied_code(quote).casefold():
        return quote  # nothing to change (also Apply on an empty field without a coupon)
    return quotes.create_quote(ctx, session, requote_body(session, quote, code), now=now)
