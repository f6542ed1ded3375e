"""Proration and periods: golden cases and invariants (pure domain, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from licensor.subscriptions.periods import Period, boundary, period
from licensor.subscriptions.rules import change_plan, fraction_left, settle
from tests.builders import usd

JUNE = Period(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC))


def at(day: int, month: int = 6) -> datetime:
    return datetime(2025, month, day, tzinfo=UTC)


@pytest.mark.parametrize(("old", "new", "moment", "credit", "charge", "net"), [
    (10000, 30000, at(16), 5000, 15000, 10000),
    (10000, 30000, at(11), 6667, 20000, 13333),
    (500, 2000, at(2), 483, 1933, 1450),
    (2000, 500, at(2), 1933, 483, -1450),
    (1200, 4900, at(1), 1200, 4900, 3700),  # at the very start: whole prices
    (9900, 1200, datetime(2025, 6, 30, 23, 59, 59, tzinfo=UTC), 0, 0, 0),
])
def test_golden_size_changes(old: int, new: int, moment: datetime, credit: int, charge: int,
                             net: int) -> None:
    change = change_plan(current=JUNE, basis=usd(old), old_name="A", new_name="B",
                         new_price=usd(new), new_period=None, at=moment,
                         credit_balance=usd(0))
    credit_line, charge_line = change.lines
    assert (credit_line.kind, credit_line.amount.amount) == ("credit", credit)
    assert (charge_line.kind, charge_line.amount.amount) == ("charge", charge)
    assert change.net.amount == net
    assert change.period_after == JUNE  # a size-only change keeps the renewal date


def test_negative_net_goes_to_credit_balance() -> None:
    change = change_plan(current=JUNE, basis=usd(2000), old_name="A", new_name="B",
                         new_price=usd(500), new_period=None, at=at(2), credit_balance=usd(100))
    s = change.settlement
    assert (s.credit_applied.amount, s.amount_due.amount, s.credit_balance_after.amount) == (
        0, 0, 1550)


@pytest.mark.parametrize(("net", "balance", "applied", "due", "after"), [
    (1450, 0, 0, 1450, 0),
    (1450, 1000, 1000, 450, 0),
    (1450, 5000, 1450, 0, 3550),
    (-1450, 50, 0, 0, 1500),
    (0, 70, 0, 0, 70),
])
def test_settle_credit_first(net: int, balance: int, applied: int, due: int, after: int) -> None:
    s = settle(usd(net), usd(balance))
    assert (s.credit_applied.amount, s.amount_due.amount, s.credit_balance_after.amount) == (
        applied, due, after)


def test_interval_change_starts_a_new_period_charged_in_full() -> None:
    moment = at(16)
    year = period(moment, "year", 0)
    change = change_plan(current=JUNE, basis=usd(1200), old_name="Small monthly",
                         new_name="Small yearly", new_price=usd(12000), new_period=year,
                         at=moment, credit_balance=usd(0))
    credit_line, charge_line = change.lines
    assert credit_line.amount == usd(600)
    assert charge_line.amount == usd(12000)
    assert (charge_line.period_start, charge_line.period_end) == (moment, at(16, 6).replace(
        year=2026))
    assert change.period_after == year
    assert change.settlement.amount_due == usd(11400)


def test_fraction_is_exact_seconds() -> None:
    assert fraction_left(JUNE, at(11)) == Fraction(2, 3)
    assert fraction_left(JUNE, JUNE.start + timedelta(seconds=1)) == Fraction(
        30 * 86400 - 1, 30 * 86400)
    with pytest.raises(ValueError):
        fraction_left(JUNE, at(2, 7))


@pytest.mark.parametrize(("anchor", "interval", "expected"), [
    (datetime(2024, 1, 31, 9, tzinfo=UTC), "month", [
        (2024, 1, 31), (2024, 2, 29), (2024, 3, 31), (2024, 4, 30), (2024, 5, 31)]),
    (datetime(2025, 1, 31, tzinfo=UTC), "month", [
        (2025, 1, 31), (2025, 2, 28), (2025, 3, 31)]),
    (datetime(2024, 2, 29, tzinfo=UTC), "year", [
        (2024, 2, 29), (2025, 2, 28), (2026, 2, 28), (2027, 2, 28), (2028, 2, 29)]),
    (datetime(2025, 8, 30, tzinfo=UTC), "month", [
        (2025, 8, 30), (2025, 9, 30), (2025, 10, 30), (2025, 11, 30), (2025, 12, 30),
        (2026, 1, 30), (2026, 2, 28), (2026, 3, 30)]),
])
def test_periods_keep_the_anchor_day(anchor: datetime, interval: str,
                                     expected: list[tuple[int, int, int]]) -> None:
    got = [boundary(anchor, interval, n) for n in range(len(expected))]
    assert [(d.year, d.month, d.day) for d in got] == expected
    assert all(d.time() == anchor.time() for d in got)
    assert period(anchor, interval, 1) == Period(got[1], got[2])


# -- invariants --------------------------------------------------------------------------------

PRICES = st.integers(min_value=0, max_value=10_000_000)
STARTS = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1),
                      timezones=st.just(UTC))


@settings(max_examples=150, deadline=None)
@given(start=STARTS, interval=st.sampled_from(["month", "year"]),
       prices=st.lists(PRICES, min_size=2, max_size=6),
       cuts=st.lists(st.integers(min_value=0, max_value=10**9), min_size=5, max_size=5))
def test_a_credit_never_exceeds_what_was_charged_for_that_time(
        start: datetime, interval: str, prices: list[int], cuts: list[int]) -> None:
    current = period(start, interval, 0)
    total = int((current.end - current.start).total_seconds())
    moments = sorted(current.start + timedelta(seconds=c % total) for c in cuts)
    basis, charged_for_rest = usd(prices[0]), usd(prices[0])  # first period paid in full
    for moment, price in zip(moments, prices[1:], strict=False):
        change = change_plan(current=current, basis=basis, old_name="A", new_name="B",
                             new_price=usd(price), new_period=None, at=moment,
                             credit_balance=usd(0))
        credit_line, charge_line = change.lines
        assert credit_line.amount <= charged_for_rest
        basis, charged_for_rest = change.basis_after, charge_line.amount


@settings(max_examples=150, deadline=None)
@given(start=STARTS, interval=st.sampled_from(["month", "year"]), low=PRICES, high=PRICES,
       cut=st.integers(min_value=0, max_value=10**9), balance=PRICES)
def test_upgrade_then_reverse_downgrade_never_creates_money(
        start: datetime, interval: str, low: int, high: int, cut: int, balance: int) -> None:
    current = period(start, interval, 0)
    moment = current.start + timedelta(seconds=cut % current.seconds)
    up = change_plan(current=current, basis=usd(low), old_name="A", new_name="B",
                     new_price=usd(high), new_period=None, at=moment, credit_balance=usd(balance))
    down = change_plan(current=current, basis=up.basis_after, old_name="B", new_name="A",
                       new_price=usd(low), new_period=None, at=moment,
                       credit_balance=up.settlement.credit_balance_after)
    paid = up.settlement.amount_due.amount + down.settlement.amount_due.amount
    gained = down.settlement.credit_balance_after.amount - balance
    assert gained <= paid
    assert up.net.amount + down.net.amount == 0
