"""The vendor's coupons: request bodies and answers of /v1/coupons, and the reading of the same
terms typed as text (the `licensor coupons add` options, the console's form)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, StrictBool, field_validator

from licensor.core.errors import LicensorError
from licensor.core.formats import human_date, money
from licensor.core.money import MINOR_UNIT_DIGITS, Money
from licensor.core.web.deps import NO_NUL
from licensor.core.web.openapi import Answer, TimeInput, Timestamp, example
from licensor.core.web.openapi import Money as MoneyAnswer
from licensor.discounts import service as discounts
from licensor.discounts.models import CouponRow
from licensor.discounts.service import CouponTerms

MAX_AMOUNT = 10**13  # minor units: a hundred billion dollars, far above any price


class MoneyIn(BaseModel):
    amount: int = Field(ge=0, le=MAX_AMOUNT, strict=True,
                        description="Minor units (cents): 1000 is 10.00")
    currency: str = Field(max_length=3, examples=["USD"])

    @field_validator("currency")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in MINOR_UNIT_DIGITS:
            raise ValueError("must be an ISO 4217 code Licensor knows, in capitals, such as USD")
        return value

    def money(self) -> Money:
        return Money(self.amount, self.currency)


class AppliesTo(BaseModel):
    products: list[str] = Field(default_factory=list, max_length=100,
                                description="Product codes; empty or absent: every product")
    kinds: list[str] = Field(default_factory=list, max_length=10,
                             description='"new", "upgrade", "renewal", "subscription"; empty '
                                         "or absent: every kind")

    @field_validator("products", "kinds")
    @classmethod
    def _short(cls, values: list[str]) -> list[str]:
        if any(len(v) > 64 or "\x00" in v for v in values):
            raise ValueError("each must be a code of at most 64 characters")
        return values


class CouponCreate(BaseModel):
    code: str = Field(max_length=100, pattern=NO_NUL,
                      description="2 to 40 letters, digits, - or _; case does not matter")
    name: str = Field(min_length=1, max_length=200, pattern=NO_NUL,
                      description="What the promotion is, for the vendor's staff")
    percent_off: Decimal | None = Field(default=None, allow_inf_nan=False,
                                        description="1 to 100, up to two decimals")
    amount_off: MoneyIn | None = None
    applies_to: AppliesTo | None = None
    duration: str = Field(default="once", max_length=20,
                          description='On a subscription: "once", "repeating" or "forever"')
    duration_in_months: int | None = Field(default=None, ge=-(2**31), le=2**31 - 1,
                                           description='With "repeating": 1 to 120')
    max_redemptions: int | None = Field(default=None, ge=-(2**31), le=2**31 - 1)
    redeem_by: TimeInput | None = Field(default=None, description="Not usable from then on")
    once_per_customer: StrictBool = False
    minimum_amount: MoneyIn | None = Field(default=None, description="Of the purchase before "
                                           "the discount")

    model_config = example({"code": "SPRING20", "name": "Spring sale", "percent_off": 20,
                            "applies_to": {"products": ["desktop"], "kinds": ["new"]},
                            "max_redemptions": 500, "redeem_by": "2027-06-01T00:00:00Z"})

    def terms(self) -> CouponTerms:
        applies = self.applies_to or AppliesTo()
        return CouponTerms(
            code=self.code, name=self.name, percent_off=self.percent_off,
            amount_off=self.amount_off.money() if self.amount_off else None,
            products=applies.products, kinds=applies.kinds, duration=self.duration,
            duration_in_months=self.duration_in_months, max_redemptions=self.max_redemptions,
            redeem_by=utc(self.redeem_by) if self.redeem_by else None,
            once_per_customer=self.once_per_customer,
            minimum_amount=self.minimum_amount.money() if self.minimum_amount else None)


class CouponPatch(BaseModel):
    active: StrictBool = Field(description="false: refused from now on (COUPON_EXPIRED)")

    model_config = example({"active": False})


# -- answers ----------------------------------------------------------------------------------

COUPON_EXAMPLE: dict[str, Any] = {
    "id": "cpn_00000017893420000000a1b2c3d4", "code": "SPRING20", "name": "Spring sale",
    "percent_off": 20.0, "amount_off": None,
    "applies_to": {"products": ["desktop"], "kinds": ["new"]}, "duration": "once",
    "duration_in_months": None, "max_redemptions": 500, "times_redeemed": 3,
    "redeem_by": "2027-06-01T00:00:00Z", "once_per_customer": False, "minimum_amount": None,
    "active": True, "created_at": "2027-03-01T09:30:00Z", "source": None}


class AppliesToAnswer(Answer):
    products: list[str]
    kinds: list[str]


class Coupon(Answer):
    id: str
    code: str
    name: str
    percent_off: float | None = Field(description="20.0 for 20% off; null for an amount off")
    amount_off: MoneyAnswer | None
    applies_to: AppliesToAnswer
    duration: str
    duration_in_months: int | None
    max_redemptions: int | None
    times_redeemed: int = Field(description="Paid orders and charged subscriptions holding it "
                                "(a refund gives the use back)")
    redeem_by: Timestamp | None
    once_per_customer: bool
    minimum_amount: MoneyAnswer | None
    active: bool
    created_at: Timestamp | None

    model_config = example(COUPON_EXAMPLE)


class CouponList(Answer):
    data: list[Coupon]
    next_cursor: str | None

    model_config = example({"data": [COUPON_EXAMPLE], "next_cursor": None})


# -- a coupon in words (the console's list, the CLI's table) --------------------------------

def _off(row: CouponRow) -> str:
    coupon = discounts.terms(row)
    if coupon.percent is not None:
        off = f"{coupon.percent.normalize():f}% off"
    else:
        assert coupon.amount_off is not None
        off = f"{money(coupon.amount_off)} off"
    if coupon.duration == "repeating":
        return f"{off}, {coupon.duration_in_months} months"
    return off if coupon.duration == "once" else f"{off}, forever"


def _applies(row: CouponRow) -> str:
    coupon = discounts.terms(row)
    parts = [", ".join(coupon.products) or "every product",
             ", ".join(coupon.kinds) + " purchases" if coupon.kinds else "every kind"]
    if coupon.minimum_amount is not None:
        parts.append(f"from {money(coupon.minimum_amount)}")
    if coupon.once_per_customer:
        parts.append("once per customer")
    return "; ".join(parts)


def row_view(row: CouponRow) -> dict[str, Any]:
    """A coupon as the console's list (and the CLI's table) shows it."""
    return {"code": row.code, "name": row.name, "off": _off(row), "applies": _applies(row),
            "used": f"{row.times_redeemed} / "
                    + (str(row.max_redemptions) if row.max_redemptions is not None
                       else "unlimited"),
            "ends": f"{human_date(row.redeem_by)}, {row.redeem_by:%H:%M} UTC"
            if row.redeem_by else "never",
            "active": row.active}


# -- the same terms typed as text (CLI options, the console's form) -------------------------

def invalid(field: str, message: str) -> LicensorError:
    return LicensorError("INVALID_REQUEST", message, {"field": field})


THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$")
NUMBER = re.compile(r"^-?(\d+\.?\d*|\.\d+)$")  # plain digits: no exponent, no NaN


def _decimal(text: str, field: str, what: str) -> Decimal:
    typed = text.strip()
    if "," in typed:  # 1,000.00 is a thousand; 10,00 is refused, never read as 1000
        typed = typed.replace(",", "") if THOUSANDS.match(typed) else "not a number"
    if not NUMBER.match(typed) or len(typed) > 40:
        raise invalid(field, f"{field} must be {what}; got {text[:40]!r}.")
    return Decimal(typed)


def percent_from_text(text: str) -> Decimal:
    """'12.5' → 12.5 (the range and decimals are the service's to check)."""
    return _decimal(text.strip().removesuffix("%"), "percent_off",
                    "a percentage such as 20 or 12.5")


def money_from_text(text: str, currency: str, field: str) -> Money:
    """'10.00' in USD → 1000 cents; more decimals than the currency has are refused."""
    code = currency.strip().upper()
    if code not in MINOR_UNIT_DIGITS:
        raise invalid(f"{field}.currency", f"The currency must be an ISO 4217 code Licensor "
                      f"knows, such as USD; got {currency[:10]!r}.")
    digits = MINOR_UNIT_DIGITS[code]
    value = _decimal(text, field, f"an amount such as {Decimal(1000).scaleb(-digits)}")
    if value < 0 or value.scaleb(digits) > MAX_AMOUNT:
        raise invalid(field, f"{field} must be from 0 to {MAX_AMOUNT // 10**digits:,}.")
    minor = value.scaleb(digits)
    if minor != minor.to_integral_value():
        raise invalid(field, f"{field} has at most {digits} decimals in {code}; got {text!r}.")
    return Money(int(minor), code)


def int_from_text(text: str, field: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise invalid(field, f"{field} must be a whole number; got {text[:40]!r}.") from None
    if abs(value) > 2**31 - 1:
        raise invalid(field, f"{field} is too large.")
    return value


def moment_from_text(text: str, field: str = "redeem_by") -> datetime:
    """A day (2027-06-30: usable through that day, UTC) or an RFC 3339 time with its offset."""
    value = text.strip()
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(23, 59, 59), UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise invalid(field, f"{field} must be a day such as 2027-06-30 or an RFC 3339 time "
                      f"such as 2027-06-30T12:00:00Z; got {text[:40]!r}.")
    return utc(moment, field)


def utc(moment: datetime, field: str = "redeem_by") -> datetime:
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:00:00-05:00 is in no year a datetime can hold
        raise invalid(field, f"{field} is out of range; give a time before the year 9999."
                      ) from None
