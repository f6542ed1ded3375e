"""The pure coupon rules: what a coupon takes off, when it applies, how long it lasts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.discounts.rules import Coupon, applies_on, check, code_key, discount, discount_ends
from tests.builders import usd

T0 = datetime(2026, 1, 31, 12, tzinfo=UTC)


def test_twenty_percent_off_five_desktop_users() -> None:
    subtotal = usd(42900)  # 5 users at 85.80
    assert subtotal - discount(Coupon("SPRING20", percent_off=2000), subtotal) == usd(34320)


def test_ten_dollars_off_one_desktop_user() -> None:
    assert usd(8900) - discount(Coupon("TENOFF", amount_off=usd(1000)), usd(8900)) == usd(7900)


def test_a_percent_with_decimals_rounds_half_to_even() -> None:
    # 12.5% of 1.00 = 12.5 cents -> 12 (to even); of 3.00 = 37.5 -> 38
    assert discount(Coupon("X", percent_off=1250), usd(100)) == usd(12)
    assert discount(Coupon("X", percent_off=1250), usd(300)) == usd(38)


@given(st.integers(0, 10**9), st.one_of(
    st.builds(lambda p: Coupon("P", percent_off=p), st.integers(100, 10000)),
    st.builds(lambda a: Coupon("A", amount_off=usd(a)), st.integers(1, 10**10))))
def test_a_discount_never_makes_a_total_negative(amount: int, coupon: Coupon) -> None:
    off = discount(coupon, usd(amount))
    assert 0 <= off.amount <= amount
    assert (usd(amount) - off).amount >= 0


def test_codes_are_case_insensitive() -> None:
    assert code_key(" spring20 ") == code_key("SPRING20") == "SPRING20"


@pytest.mark.parametrize(("coupon", "code", "reason"), [
    (Coupon("X", percent_off=1000, products=("desktop",)), "COUPON_NOT_APPLICABLE", "product"),
    (Coupon("X", percent_off=1000, kinds=("upgrade",)), "COUPON_NOT_APPLICABLE", "kind"),
    (Coupon("X", percent_off=1000, minimum_amount=usd(50000)), "COUPON_NOT_APPLICABLE",
     "minimum_amount"),
    (Coupon("X", amount_off=Money(1000, "EUR")), "COUPON_NOT_APPLICABLE", "currency"),
    (Coupon("X", percent_off=1000, redeem_by=T0), "COUPON_EXPIRED", None),
    (Coupon("X", percent_off=1000, active=False), "COUPON_EXPIRED", None),
    (Coupon("X", percent_off=1000, max_redemptions=2, times_redeemed=2), "COUPON_EXHAUSTED",
     None),
])
def test_refusals(coupon: Coupon, code: str, reason: str | None) -> None:
    with pytest.raises(LicensorError) as err:
        check(coupon, product="jira-server", kind="new", amount=usd(30000), now=T0)
    assert err.value.code == code
    if reason:
        assert err.value.details["reason"] == reason


def test_an_applicable_coupon_passes() -> None:
    check(Coupon("X", percent_off=1000, products=("desktop",), kinds=("new",),
                 minimum_amount=usd(8900), max_redemptions=3, times_redeemed=2),
          product="desktop", kind="new", amount=usd(8900), now=T0)


def test_durations_on_a_monthly_plan() -> None:
    renewals = [datetime(2026, m, 28, 12, tzinfo=UTC) for m in range(2, 8)]
    start = datetime(2026, 1, 28, 12, tzinfo=UTC)
    forever = discount_ends(Coupon("F", percent_off=1000, duration="forever"), start)
    repeating = discount_ends(Coupon("R", percent_off=1000, duration="repeating",
                                     duration_in_months=3), start)
    once = discount_ends(Coupon("O", percent_off=1000), start)
    assert all(applies_on(forever, start, when) for when in [start, *renewals])
    # the first invoice and two renewals: three months
    assert [applies_on(repeating, start, when) for when in [start, *renewals]] == \
        [True, True, True, False, False, False, False]
    assert [applies_on(once, start, when) for when in [start, *renewals[:2]]] == \
        [True, False, False]


def test_the_discount_line_names_the_code_and_what_it_takes_off() -> None:
    assert Coupon("SPRING20", percent_off=2000).describe() == "Coupon SPRING20 (20% off)"
    assert Coupon("HALF", percent_off=1250).describe() == "Coupon HALF (12.5% off)"
    assert Coupon("TENOFF", amount_off=usd(1000)).describe() == "Coupon TENOFF ($10.00 off)"
