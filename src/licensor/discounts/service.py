"""Coupons: created by the vendor, looked up by case-insensitive code, priced by `rules`,
redeemed when the money is taken and given back by a refund.

The purchase flows call three functions:

- `apply_coupon(session, code, product=, kind=, amount=, now=, customer=)` when pricing: the
  coupon's row id, its terms and the discount of `amount` (refusals are coded: 404
  UNKNOWN_COUPON, 409 COUPON_EXPIRED / COUPON_EXHAUSTED / COUPON_NOT_APPLICABLE /
  COUPON_ALREADY_USED);
- `redeem(session, coupon_id, subject_type=, subject_id=, customer=, amount=, now=)` in the
  transaction that records the payment: counts the use (one conditional UPDATE, so the last
  use goes to exactly one payer) or raises COUPON_EXHAUSTED / COUPON_ALREADY_USED, which rolls
  that transaction back (and so refunds the charge);
- `give_back(session, subject_type, subject_id, now=)` in a refund's transaction.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from licensor.catalog import service as catalog
from licensor.core import audit
from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.core.web.views import iso
from licensor.discounts.models import CouponRow, LicenseCreditRow, RedemptionRow
from licensor.discounts.repository import CouponRepository, CreditRepository
from licensor.discounts.rules import (
    CODE_RE,
    DURATIONS,
    KINDS,
    PERCENT_SCALE,
    Coupon,
    already_used,
    check,
    code_key,
    discount,
    used_up,
)


def new_id(prefix: str) -> str:
    """Ids that sort by creation time (newest-first lists page by id)."""
    return f"{prefix}_{time.time_ns():020d}{uuid.uuid4().hex[:8]}"


def customer_key(email: str) -> str:
    """One customer, however their address is capitalised: orders by the buyer's email,
    subscriptions by the account's."""
    return email.strip().lower()


def terms(row: CouponRow) -> Coupon:
    return Coupon(
        code=row.code, percent_off=row.percent_off,
        amount_off=Money(row.amount_off, row.currency or "USD")
        if row.amount_off is not None else None,
        products=tuple(row.products or ()), kinds=tuple(row.kinds or ()),
        duration=row.duration, duration_in_months=row.duration_in_months,
        max_redemptions=row.max_redemptions, times_redeemed=row.times_redeemed,
        redeem_by=row.redeem_by, once_per_customer=row.once_per_customer,
        minimum_amount=Money(row.minimum_amount, row.minimum_currency or "USD")
        if row.minimum_amount is not None else None, active=row.active)


def get_coupon(session: Session, code: str, *, for_update: bool = False) -> CouponRow:
    row = CouponRepository(session).by_code(code, for_update=for_update) \
        if isinstance(code, str) and code.strip() else None
    if row is None:
        shown = str(code)[:40]
        raise LicensorError("UNKNOWN_COUPON", f"There is no coupon {shown!r}; check the code "
                            "(letters and digits, case does not matter) or buy without it.",
                            {"code": shown})
    return row


# -- pricing and redemption -----------------------------------------------------------------

@dataclass(frozen=True)
class Applied:
    """A coupon applied to an amount: what it takes off, and the words of its line."""

    coupon_id: str
    coupon: Coupon
    discount: Money

    @property
    def description(self) -> str:
        return self.coupon.describe()

    @property
    def line_amount(self) -> Money:
        """The discount line's amount: negative."""
        return -self.discount


def coupon_by_id(session: Session, coupon_id: str, *, fresh: bool = False) -> CouponRow | None:
    """The coupon a quote or subscription holds by id (None: deleted by hand since)."""
    return CouponRepository(session).get(coupon_id, fresh=fresh)


def already_held(session: Session, coupon_id: str, customer: str) -> bool:
    """Does this customer (an email) hold a standing redemption of the coupon (once per
    customer)?"""
    return CouponRepository(session).standing_use(coupon_id, customer_key(customer)) is not None


def used_by_subject(session: Session, coupon_id: str, subject_type: str, subject_id: str) -> bool:
    """Was the coupon ever redeemed for this subject (a subscription), given back or not?"""
    return CouponRepository(session).used_by_subject(coupon_id, subject_type, subject_id)


def apply_coupon(session: Session, code: str, *, product: str, kind: str, amount: Money,
                 now: datetime, customer: str | None = None) -> Applied:
    """Price `amount` with the coupon `code`, or refuse it (see the module's doc)."""
    row = get_coupon(session, code)
    coupon = terms(row)
    check(coupon, product=product, kind=kind, amount=amount, now=now)
    if customer and coupon.once_per_customer and already_held(session, row.id, customer):
        raise already_used(coupon)
    return Applied(row.id, coupon, discount(coupon, amount))


def redeem(session: Session, coupon_id: str, *, subject_type: str, subject_id: str,
           customer: str, amount: Money, now: datetime) -> RedemptionRow:
    """Count a use of the coupon for an order or a subscription (inside the transaction that
    takes the money). A subject already holding it is answered its redemption again."""
    repo = CouponRepository(session)
    held = repo.redemption_of(subject_type, subject_id)
    if held is not None and held.coupon_id == coupon_id:
        return held
    row = repo.get(coupon_id)
    if row is None:  # deleted by hand: the price was already given
        raise LicensorError("UNKNOWN_COUPON", "The coupon of this purchase no longer exists; "
                            "ask for a new quote.", {"coupon_id": coupon_id})
    coupon = terms(row)
    key = customer_key(customer)
    if coupon.once_per_customer and repo.standing_use(row.id, key) is not None:
        raise already_used(coupon)
    if not repo.take_one(row.id):
        raise used_up(row.code, row.max_redemptions, "nothing was kept. Buy without it.",
                      while_paying=True)
    redemption = RedemptionRow(
        id=new_id("red"), coupon_id=row.id, subject_type=subject_type, subject_id=subject_id,
        customer_key=key, exclusive_key=key if coupon.once_per_customer else None,
        amount=amount.amount, currency=amount.currency, status="redeemed", created_at=now)
    try:
        with session.begin_nested():  # a twin by the same customer that got here first
            session.add(redemption)
    except IntegrityError:
        raise already_used(coupon) from None
    session.refresh(row)
    audit.record(session, actor=f"{subject_type}:{subject_id}", action="coupon.redeemed",
                 entity_type="coupon", entity_id=row.id, before=None,
                 after={"code": row.code, "subject": f"{subject_type}:{subject_id}",
                        "discount": amount.amount, "times_redeemed": row.times_redeemed},
                 now=now)
    return redemption


def give_back(session: Session, subject_type: str, subject_id: str, *,
              now: datetime) -> RedemptionRow | None:
    """A refund returns the use: the coupon can be redeemed again (and by this customer)."""
    repo = CouponRepository(session)
    redemption = repo.redemption_of(subject_type, subject_id)
    if redemption is None:
        return None
    redemption.status, redemption.returned_at = "returned", now
    redemption.exclusive_key = None
    repo.give_one_back(redemption.coupon_id)
    session.flush()
    audit.record(session, actor=f"{subject_type}:{subject_id}", action="coupon.returned",
                 entity_type="coupon", entity_id=redemption.coupon_id, before=None,
                 after={"subject": f"{subject_type}:{subject_id}"}, now=now)
    return redemption


# -- the vendor's coupons -------------------------------------------------------------------

def _invalid(field: str, message: str) -> LicensorError:
    return LicensorError("INVALID_REQUEST", message, {"field": field})


@dataclass(frozen=True)
class CouponTerms:
    """What the vendor asks for (POST /v1/coupons, `licensor coupons add`)."""

    code: str
    name: str | None = None
    percent_off: Decimal | None = None
    amount_off: Money | None = None
    products: Sequence[str] = ()
    kinds: Sequence[str] = ()
    duration: str = "once"
    duration_in_months: int | None = None
    max_redemptions: int | None = None
    redeem_by: datetime | None = None
    once_per_customer: bool = False
    minimum_amount: Money | None = None


def _percent(value: Decimal | None) -> int | None:
    if value is None:
        return None
    hundredths = value * PERCENT_SCALE
    if not (1 <= value <= 100) or hundredths != hundredths.to_integral_value():
        raise _invalid("percent_off", "percent_off must be from 1 to 100 with at most two "
                       "decimals (12.5 for 12.5% off).")
    return int(hundredths)


def _validate(t: CouponTerms) -> None:
    if not CODE_RE.match(t.code or ""):
        raise _invalid("code", "code must be 2 to 40 letters, digits, dashes or underscores "
                       "(case does not matter: SPRING20 and spring20 are one code).")
    if (t.percent_off is None) == (t.amount_off is None):
        raise _invalid("percent_off", "Give exactly one of percent_off and amount_off.")
    if t.amount_off is not None and t.amount_off.amount <= 0:
        raise _invalid("amount_off", "amount_off must be more than zero.")
    if t.minimum_amount is not None and t.minimum_amount.amount < 0:
        raise _invalid("minimum_amount", "minimum_amount must not be negative.")
    if any(k not in KINDS for k in t.kinds):
        raise _invalid("applies_to.kinds", f"kinds must be among {', '.join(KINDS)}.")
    if t.duration not in DURATIONS:
        raise _invalid("duration", f"duration must be one of {', '.join(DURATIONS)}.")
    if (t.duration == "repeating") != (t.duration_in_months is not None):
        raise _invalid("duration_in_months", "duration_in_months is given with (and only "
                       "with) duration \"repeating\".")
    if t.duration_in_months is not None and not 1 <= t.duration_in_months <= 120:
        raise _invalid("duration_in_months", "duration_in_months must be from 1 to 120.")
    if t.max_redemptions is not None and t.max_redemptions < 1:
        raise _invalid("max_redemptions", "max_redemptions must be at least 1.")


def create_coupon(session: Session, t: CouponTerms, *, now: datetime, actor: str,
                  source: dict[str, Any] | None = None) -> CouponRow:
    """A new coupon; 409 COUPON_EXISTS for a code in use (in any capitalisation)."""
    _validate(t)
    percent = _percent(t.percent_off)
    if CouponRepository(session).by_code(t.code) is not None:
        raise LicensorError("COUPON_EXISTS", f"A coupon {code_key(t.code)} exists already; "
                            "choose another code, or disable that one.", {"code": t.code})
    row = CouponRow(
        id=new_id("cpn"), code=t.code.strip(), code_key=code_key(t.code),
        name=(t.name or t.code).strip()[:200], percent_off=percent,
        amount_off=t.amount_off.amount if t.amount_off else None,
        currency=t.amount_off.currency if t.amount_off else None,
        products=list(t.products), kinds=list(t.kinds), duration=t.duration,
        duration_in_months=t.duration_in_months, max_redemptions=t.max_redemptions,
        times_redeemed=0, redeem_by=t.redeem_by, once_per_customer=t.once_per_customer,
        minimum_amount=t.minimum_amount.amount if t.minimum_amount else None,
        minimum_currency=t.minimum_amount.currency if t.minimum_amount else None,
        active=True, source=source or {}, created_at=now)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # the same code created at the same moment
        raise LicensorError("COUPON_EXISTS", f"A coupon {code_key(t.code)} exists already.",
                            {"code": t.code}) from None
    audit.record(session, actor=actor, action="coupon.created", entity_type="coupon",
                 entity_id=row.id, before=None, after=coupon_json(row), now=now)
    return row


def add_coupon(session: Session, t: CouponTerms, *, now: datetime, actor: str) -> CouponRow:
    """A coupon the vendor asks for (API, CLI, console): `create_coupon`'s checks, and that its
    products are in the catalog, its fixed amounts share one currency and its last moment is
    still to come (422 INVALID_REQUEST naming the field)."""
    _validate(t)
    _percent(t.percent_off)
    known = {product.code for product in catalog.list_products(session)}
    unknown = [code for code in t.products if code not in known]
    if unknown:
        raise LicensorError("INVALID_REQUEST", f"There is no product {', '.join(unknown)} in "
                            "the catalog; use product codes as GET /v1/products lists them "
                            "(desktop, jira-server, ...).",
                            {"field": "applies_to.products", "unknown": unknown})
    if t.amount_off is not None and t.minimum_amount is not None \
            and t.amount_off.currency != t.minimum_amount.currency:
        raise _invalid("minimum_amount.currency", "minimum_amount must be in the currency of "
                       f"amount_off ({t.amount_off.currency}).")
    if t.redeem_by is not None and t.redeem_by <= now:
        raise _invalid("redeem_by", "redeem_by must be a moment still to come: the coupon "
                       "cannot be used after it.")
    return create_coupon(session, replace(t, products=list(dict.fromkeys(t.products)),
                                          kinds=list(dict.fromkeys(t.kinds))),
                         now=now, actor=actor)


def set_active(session: Session, code: str, active: bool, *, now: datetime,
               actor: str) -> CouponRow:
    """Disable (or enable again) a coupon: a disabled one is refused as COUPON_EXPIRED; quotes
    already made with it keep their price."""
    row = get_coupon(session, code, for_update=True)
    before = coupon_json(row)
    row.active = active
    session.flush()
    audit.record(session, actor=actor, action="coupon.enabled" if active else "coupon.disabled",
                 entity_type="coupon", entity_id=row.id, before=before, after=coupon_json(row),
                 now=now)
    return row


def listing(session: Session, limit: int = 100, after: str | None = None) -> Sequence[CouponRow]:
    return CouponRepository(session).listing(limit, after)


def coupon_json(row: CouponRow) -> dict[str, Any]:
    percent = (Decimal(row.percent_off) / PERCENT_SCALE) if row.percent_off is not None else None
    return {
        "id": row.id, "code": row.code, "name": row.name,
        "percent_off": float(percent) if percent is not None else None,
        "amount_off": {"amount": row.amount_off, "currency": row.currency}
        if row.amount_off is not None else None,
        "applies_to": {"products": list(row.products or []), "kinds": list(row.kinds or [])},
        "duration": row.duration, "duration_in_months": row.duration_in_months,
        "max_redemptions": row.max_redemptions, "times_redeemed": row.times_redeemed,
        "redeem_by": iso(row.redeem_by) if row.redeem_by else None,
        "once_per_customer": row.once_per_customer,
        "minimum_amount": {"amount": row.minimum_amount, "currency": row.minimum_currency}
        if row.minimum_amount is not None else None,
        "active": row.active, "created_at": iso(row.created_at),
        "source": row.source or None,
    }


def credit_of_lineage(session: Session, lineage_root: str) -> LicenseCreditRow | None:
    """The credit (on a site, or a plugin coupon) the license lineage starting at
    `lineage_root` was turned into, if any (discounts.credits: once per lineage)."""
    return CreditRepository(session).for_lineage(lineage_root)
