"""A subscription's coupon: which one prices an invoice, keeping a newly given one on the
subscription, and counting its redemption in the transaction that records the billing.

One coupon per subscription. A code given with a subscribe or a plan change is checked as a
"subscription" purchase of the subscription's product (refusals: UNKNOWN_COUPON,
COUPON_NOT_APPLICABLE, COUPON_EXPIRED, COUPON_EXHAUSTED, COUPON_ALREADY_USED) and replaces the
subscription's coupon from that invoice on. Without a code, the subscription's own coupon
prices an invoice while it is in effect (`discounts.rules.applies_on`): `once` only the invoice
it came with, `repeating` invoices dated before applied_at + N months, `forever` every one.
A subscription uses a coupon once: giving the code of its coupon again neither restarts nor
extends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from licensor.core.errors import LicensorError
from licensor.core.formats import human_date
from licensor.core.money import Money
from licensor.discounts import service as discounts
from licensor.discounts.rules import Coupon, applies_on, discount_ends
from licensor.subscriptions.models import SubscriptionRow

KIND = "subscription"


@dataclass(frozen=True)
class SubCoupon:
    """A coupon as it prices one invoice of a subscription."""

    coupon_id: str
    coupon: Coupon
    applied_at: datetime
    ends_at: datetime | None  # None: forever
    new: bool  # given with this request: kept on the subscription and redeemed with it


def held(session: Session, sub: SubscriptionRow) -> SubCoupon | None:
    """The subscription's own coupon (in effect or not); None without one."""
    if sub.coupon_id is None or sub.coupon_applied_at is None:
        return None
    row = discounts.coupon_by_id(session, sub.coupon_id)
    if row is None:  # deleted by hand: nothing more is taken off
        return None
    return SubCoupon(row.id, discounts.terms(row), sub.coupon_applied_at, sub.coupon_ends_at,
                     new=False)


def in_effect(session: Session, sub: SubscriptionRow, at: datetime) -> SubCoupon | None:
    """The subscription's coupon if it discounts an invoice dated `at`."""
    own = held(session, sub)
    if own is None or not applies_on(own.ends_at, own.applied_at, at):
        return None
    return own


def given(session: Session, sub: SubscriptionRow, code: str, *, amount: Money, email: str,
          at: datetime) -> SubCoupon:
    """The coupon `code` for an invoice of `amount` dated `at`, or its refusal."""
    row = discounts.get_coupon(session, code)
    if row.id == sub.coupon_id:
        own = in_effect(session, sub, at)
        if own is not None:
            return own  # the same coupon goes on as it stands
    if row.id == sub.coupon_id or discounts.used_by_subject(session, row.id, KIND, sub.id):
        raise LicensorError("COUPON_ALREADY_USED", f"This subscription has had the coupon "
                            f"{row.code} already; a coupon is used once per subscription. "
                            "Leave the code out, or use another one.", {"code": row.code})
    applied = discounts.apply_coupon(session, code, product=sub.product, kind=KIND,
                                     amount=amount, now=at, customer=email)
    return SubCoupon(applied.coupon_id, applied.coupon, at,
                     discount_ends(applied.coupon, at), new=True)


def pricing(session: Session, sub: SubscriptionRow, code: str | None, *, amount: Money,
            email: str, at: datetime) -> SubCoupon | None:
    """The coupon that prices an invoice of `amount` dated `at`: the one given with the
    request (a blank code is no code), else the subscription's own while in effect."""
    if code is not None and code.strip():
        return given(session, sub, code, amount=amount, email=email, at=at)
    return in_effect(session, sub, at)


def terms_of(applied: SubCoupon | None) -> Coupon | None:
    return applied.coupon if applied is not None else None


def keep(session: Session, sub: SubscriptionRow, applied: SubCoupon | None, *, email: str,
         discount: Money, now: datetime) -> None:
    """A newly given coupon becomes the subscription's, and its use counts now (inside the
    transaction that records the billing: COUPON_EXHAUSTED / COUPON_ALREADY_USED here roll it
    back, and the payments machinery refunds the charge)."""
    if applied is None or not applied.new:
        return
    sub.coupon_id, sub.coupon_applied_at = applied.coupon_id, applied.applied_at
    sub.coupon_ends_at = applied.ends_at
    discounts.redeem(session, applied.coupon_id, subject_type=KIND, subject_id=sub.id,
                     customer=email, amount=discount, now=now)


def summary(session: Session, sub: SubscriptionRow, at: datetime) -> str | None:
    """'Coupon SPRING10 (10% off), until July 1, 2026' while the coupon discounts renewals."""
    own = held(session, sub)
    if own is None or own.ends_at is not None and own.ends_at <= at:
        return None
    if own.ends_at is None:
        return f"{own.coupon.describe()}, on every invoice"
    return f"{own.coupon.describe()}, on invoices until {human_date(own.ends_at)}"
