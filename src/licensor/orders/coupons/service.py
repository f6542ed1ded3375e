"""Coupons on quotes and orders of perpetual licenses.

A quote made with a coupon carries the discount as a line of its own (a negative amount naming
the code) and remembers the coupon in `quote.details["coupon"]` ({id, code, discount}). The
price a quote shows is kept while the quote is valid, as after a catalog change: a coupon valid
when quoted is not refused later for having expired or been disabled. What a coupon limits per
use is enforced when the money is taken:

- ordering refuses a once-per-customer coupon the buyer's email already holds, and a coupon
  used up (409 COUPON_ALREADY_USED, COUPON_EXHAUSTED);
- paying by card checks both again under the order's lock before the card is charged;
- the transaction that records the payment redeems the coupon (a conditional count, so the
  last use goes to exactly one payer); when that fails the transaction rolls back and a card
  charge is refunded at once;
- a refund gives the redemption back; canceling an unpaid order has nothing to give back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.discounts import service as discounts
from licensor.discounts.rules import already_used, exhausted, used_up
from licensor.discounts.service import CouponRow
from licensor.orders.models import OrderRow, QuoteRow
from licensor.orders.quotes.kinds import QuoteDraft, QuoteLine

MAX_CODE = 40


def code_of(body: dict[str, Any]) -> str | None:
    """The coupon code of a quote request, or None (absent, null or blank)."""
    code = body.get("coupon")
    if code is None or (isinstance(code, str) and not code.strip()):
        return None
    if not isinstance(code, str) or len(code) > MAX_CODE:
        raise LicensorError("INVALID_REQUEST", "The field 'coupon' is invalid: a coupon code "
                            f"is text of at most {MAX_CODE} characters.", {"field": "coupon"})
    return code


def apply_to_draft(session: Session, draft: QuoteDraft, code: str, *, kind: str,
                   now: datetime) -> None:
    """Price the draft with the coupon (or refuse it): the discount line, and the coupon
    remembered in the draft's details. The discount never exceeds the total."""
    applied = discounts.apply_coupon(session, code, product=draft.product, kind=kind,
                                     amount=draft.total, now=now)
    draft.lines.append(QuoteLine(applied.description, applied.line_amount))
    draft.details = {**draft.details, "coupon": {
        "id": applied.coupon_id, "code": applied.coupon.code,
        "discount": applied.discount.amount}}


def coupon_of(quote: QuoteRow) -> dict[str, Any] | None:
    """The coupon a quote was priced with ({id, code, discount}), or None."""
    coupon = (quote.details or {}).get("coupon")
    return coupon if isinstance(coupon, dict) else None


def shown(quote: QuoteRow) -> dict[str, Any] | None:
    """The coupon of a quote as the API shows it: {code, discount: Money}."""
    coupon = coupon_of(quote)
    if coupon is None:
        return None
    return {"code": coupon["code"],
            "discount": Money(int(coupon["discount"]), quote.currency).to_json()}


def _row(session: Session, coupon: dict[str, Any]) -> CouponRow:
    row = discounts.coupon_by_id(session, coupon["id"], fresh=True)
    if row is None:  # removed by hand since the quote was made
        raise LicensorError("UNKNOWN_COUPON", f"The coupon {coupon['code']} of this quote no "
                            "longer exists; ask for a new quote.", {"code": coupon["code"]})
    return row


def ensure_usable(session: Session, quote: QuoteRow, email: str) -> None:
    """Before an order is made or charged: refuse a coupon this buyer has already used (once
    per customer) or one used up. Nothing is counted here; `redeem` counts when paid."""
    coupon = coupon_of(quote)
    if coupon is None:
        return
    row = _row(session, coupon)
    terms = discounts.terms(row)
    if terms.once_per_customer and discounts.already_held(session, row.id, email):
        raise already_used(terms)
    if exhausted(terms):
        raise used_up(row.code, row.max_redemptions,
                      "nothing was charged. Ask for a new quote without it.")


def redeem(session: Session, order: OrderRow, quote: QuoteRow, now: datetime) -> None:
    """Count the coupon's use in the transaction that records the payment; raises
    COUPON_EXHAUSTED / COUPON_ALREADY_USED (the transaction then rolls back)."""
    coupon = coupon_of(quote)
    if coupon is None:
        return
    try:
        discounts.redeem(session, coupon["id"], subject_type="order", subject_id=order.id,
                         customer=order.buyer_email,
                         amount=Money(int(coupon["discount"]), quote.currency), now=now)
    except LicensorError as exc:
        if order.payment_method != "invoice":
            raise
        # The administrator marking an invoice paid: say what to do with the transfer.
        raise LicensorError(exc.code, f"Order {order.number} was invoiced with the coupon "
                            f"{coupon['code']}, which can no longer be used for it ("
                            + ("used up" if exc.code == "COUPON_EXHAUSTED" else
                               "this customer has used it since") + "). Cancel the order and "
                            "invoice the customer again without the coupon, or refund their "
                            "payment.", {**exc.details, "order_id": order.id}) from None


def give_back(session: Session, order: OrderRow, now: datetime) -> None:
    """A refund returns the order's coupon use (if it had one)."""
    discounts.give_back(session, "order", order.id, now=now)
