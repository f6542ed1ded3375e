"""Coupons: what a coupon takes off an amount, and whether it applies. Pure functions.

A coupon (Stripe's model) is either `percent_off` (1 to 100, up to two decimals, kept as
hundredths of a percent: 20% = 2000) or `amount_off` (Money). It may be limited to products,
to kinds of purchase ("new", "upgrade", "renewal", "subscription"), to a minimum amount, to a
number of redemptions, to a last day (`redeem_by`) and to once per customer. On a
subscription it lasts `once` (the first invoice), `repeating` (invoices in the first
`duration_in_months` months after it was applied) or `forever`.

The discount of an amount is never more than the amount: a total never goes below zero.
Percent discounts are rounded to the minor unit half-to-even (`Money.scaled`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from licensor.core.calendar import add_months
from licensor.core.errors import LicensorError
from licensor.core.formats import human_date, money
from licensor.core.money import Money

KINDS = ("new", "upgrade", "renewal", "subscription")
DURATIONS = ("once", "repeating", "forever")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,39}$")
PERCENT_SCALE = 100  # percent_off is kept in hundredths of a percent: 12.5% = 1250


def code_key(code: str) -> str:
    """Codes are case-insensitive: "spring20", "SPRING20" and " Spring20 " are one coupon."""
    return code.strip().upper()


@dataclass(frozen=True)
class Coupon:
    """A coupon's terms, as the pricing rules need them."""

    code: str
    percent_off: int | None = None  # hundredths of a percent (2000 = 20%)
    amount_off: Money | None = None
    products: tuple[str, ...] = ()  # empty: every product
    kinds: tuple[str, ...] = ()  # empty: every kind
    duration: str = "once"
    duration_in_months: int | None = None
    max_redemptions: int | None = None
    times_redeemed: int = 0
    redeem_by: datetime | None = None
    once_per_customer: bool = False
    minimum_amount: Money | None = None
    active: bool = True

    @property
    def percent(self) -> Decimal | None:
        """20.00 for 20% off (None for an amount off)."""
        if self.percent_off is None:
            return None
        return Decimal(self.percent_off) / PERCENT_SCALE

    def describe(self) -> str:
        """'Coupon SPRING20 (20% off)', 'Coupon TENOFF ($10.00 off)': the discount line's words."""
        if self.percent is not None:
            off = f"{self.percent.normalize():f}% off"
        else:
            assert self.amount_off is not None
            off = f"{money(self.amount_off)} off"
        return f"Coupon {self.code} ({off})"


def discount(coupon: Coupon, amount: Money) -> Money:
    """What the coupon takes off `amount` (never more than it, never negative).

    Percent: amount × percent / 100, rounded half-to-even to the minor unit. Amount off: the
    coupon's amount, at most `amount`. An amount in another currency than a fixed coupon's is
    refused before this is called (`check`)."""
    if amount.amount <= 0:
        return Money.zero(amount.currency)
    if coupon.percent_off is not None:
        off = amount.scaled(Fraction(coupon.percent_off, 100 * PERCENT_SCALE))
    else:
        assert coupon.amount_off is not None
        off = Money(coupon.amount_off.amount, amount.currency)
    return Money(min(off.amount, amount.amount), amount.currency)


def not_applicable(coupon: Coupon, reason: str, message: str, **details: object) -> LicensorError:
    return LicensorError("COUPON_NOT_APPLICABLE", message,
                         {"code": coupon.code, "reason": reason, **details})


def check(coupon: Coupon, *, product: str, kind: str, amount: Money, now: datetime) -> None:
    """Refuse a coupon that cannot be used for this purchase at `now` (before any price is
    shown): COUPON_EXPIRED, COUPON_EXHAUSTED, COUPON_NOT_APPLICABLE (details.reason: product,
    kind, minimum_amount, currency). Once-per-customer is checked where the customer is known."""
    if not coupon.active or (coupon.redeem_by is not None and now >= coupon.redeem_by):
        raise LicensorError("COUPON_EXPIRED", f"The coupon {coupon.code} is no longer valid"
                            + (f" (it could be used until {human_date(coupon.redeem_by)})"
                               if coupon.redeem_by and coupon.active else "")
                            + "; buy without it or ask for a current one.",
                            {"code": coupon.code,
                             "redeem_by": coupon.redeem_by.isoformat() if coupon.redeem_by
                             else None})
    if exhausted(coupon):
        raise used_up(coupon.code, coupon.max_redemptions)
    if coupon.products and product not in coupon.products:
        raise not_applicable(coupon, "product", f"The coupon {coupon.code} is for "
                             f"{', '.join(coupon.products)} only, not {product}.",
                             products=list(coupon.products))
    if coupon.kinds and kind not in coupon.kinds:
        raise not_applicable(coupon, "kind", f"The coupon {coupon.code} applies to "
                             f"{', '.join(coupon.kinds)} purchases only, not to a {kind}.",
                             kinds=list(coupon.kinds))
    for fixed in (coupon.amount_off, coupon.minimum_amount):
        if fixed is not None and fixed.currency != amount.currency:
            raise not_applicable(coupon, "currency", f"The coupon {coupon.code} is in "
                                 f"{fixed.currency}; this purchase is in {amount.currency}.",
                                 currency=fixed.currency)
    if coupon.minimum_amount is not None and amount < coupon.minimum_amount:
        raise not_applicable(coupon, "minimum_amount", f"The coupon {coupon.code} needs a "
                             f"purchase of at least {coupon.minimum_amount.display()} before "
                             f"the discount; this one is {amount.display()}.",
                             minimum_amount=coupon.minimum_amount.to_json())


def exhausted(coupon: Coupon) -> bool:
    """Every redemption the coupon allows is taken (CouponRepository.take_one is the same test
    as one guarded UPDATE, so two payers cannot both take the last one)."""
    return coupon.max_redemptions is not None and coupon.times_redeemed >= coupon.max_redemptions


def used_up(code: str, max_redemptions: int | None, remedy: str = "buy without it.", *,
            while_paying: bool = False) -> LicensorError:
    """COUPON_EXHAUSTED: found used up before the payment, or (`while_paying`) by the payment."""
    what = ("was used up while this purchase was being paid" if while_paying
            else "has been used as many times as it may be")
    return LicensorError("COUPON_EXHAUSTED", f"The coupon {code} {what}; {remedy}",
                         {"code": code, "max_redemptions": max_redemptions})


def already_used(coupon: Coupon) -> LicensorError:
    return LicensorError("COUPON_ALREADY_USED", f"The coupon {coupon.code} can be used once "
                         "per customer, and this customer has used it; buy without it.",
                         {"code": coupon.code})


def discount_ends(coupon: Coupon, applied_at: datetime) -> datetime | None:
    """Until when a subscription's coupon applies to its invoices: `once` only to the invoice
    it was applied with (ends at that moment), `repeating` to invoices dated before
    applied_at + N months (a monthly plan: N invoices), `forever` never ends (None)."""
    if coupon.duration == "forever":
        return None
    if coupon.duration == "repeating":
        return add_months(applied_at, coupon.duration_in_months or 1)
    return applied_at


def applies_on(ends: datetime | None, applied_at: datetime, when: datetime) -> bool:
    """Does a subscription's coupon (applied at `applied_at`, ending `ends`) discount the
    invoice dated `when`? The invoice it was applied with always; later ones before `ends`."""
    if when <= applied_at:
        return True
    return ends is None or when < ends
