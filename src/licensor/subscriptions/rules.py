"""Plan-change arithmetic: credit for the unused time, charge for the new plan's time.

fraction = seconds left in the period / seconds in the period, an exact Fraction. The credit
line is the period's *paid basis* (what was actually charged for a whole period at the current
rate) × fraction; the charge line is the new price × fraction. Each line is rounded to the
minor unit half-to-even on its own; net = charge − credit. The credit balance pays first, the
card the rest; a negative net goes to the credit balance.

Because the credit is computed from the paid basis, several changes in one period chain: after
a change the basis becomes the new plan's price, which is exactly what was charged per unit of
the remaining time.

A coupon in effect takes its discount off the charge line (never off the credit) as a line of
its own with a negative amount. A percent coupon lowers the rate paid, so the basis becomes the
discounted price of a whole period; an amount-off coupon takes a sum off one invoice, not off
the rate, so the basis stays the list price (`period_basis`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from licensor.core.money import Money
from licensor.discounts.rules import Coupon, discount
from licensor.subscriptions.periods import Period


@dataclass(frozen=True)
class Line:
    kind: str  # "credit" | "charge" | "discount"
    description: str
    # Credit and charge lines are >= 0 (the kind says which way they go); a discount line is
    # negative, as invoices show it.
    amount: Money
    period_start: datetime
    period_end: datetime


@dataclass(frozen=True)
class Settlement:
    """How a net amount is paid: credit balance first, then the card."""

    net: Money
    credit_applied: Money
    amount_due: Money  # with tax, when the subscription is taxed (`tax`)
    credit_balance_after: Money
    # The invoice's tax as licensor.tax stores it ({subtotal, amount, rate, ...}); None: untaxed.
    tax: dict[str, Any] | None = None


@dataclass(frozen=True)
class PlanChange:
    lines: tuple[Line, ...]
    settlement: Settlement
    period_after: Period
    basis_after: Money  # the price the remaining period is now paid at

    @property
    def net(self) -> Money:
        return self.settlement.net

    @property
    def charge(self) -> Line:
        return next(x for x in self.lines if x.kind == "charge")

    @property
    def discount(self) -> Money:
        return discount_of(self.lines)


def fraction_left(current: Period, at: datetime) -> Fraction:
    """Seconds left / seconds in the period, exactly (microseconds count too)."""
    total = current.end - current.start
    left = current.end - at
    whole = total.days * 86_400_000_000 + total.seconds * 1_000_000 + total.microseconds
    rest = left.days * 86_400_000_000 + left.seconds * 1_000_000 + left.microseconds
    if whole <= 0 or rest < 0 or rest > whole:
        raise ValueError("the moment is outside the period")
    return Fraction(rest, whole)


def prorate(price: Money, fraction: Fraction) -> Money:
    """price × fraction, rounded where every rate is (Money.scaled: half-to-even)."""
    return price.scaled(fraction)


def settle(net: Money, credit_balance: Money) -> Settlement:
    """Credit balance pays first, the card the rest; a surplus stays as credit balance."""
    zero = Money.zero(net.currency)
    if net.amount <= 0:
        return Settlement(net, zero, zero, credit_balance - net)
    applied = Money(min(net.amount, max(credit_balance.amount, 0)), net.currency)
    return Settlement(net, applied, net - applied, credit_balance - applied)


def change_plan(*, current: Period, basis: Money, old_name: str, new_name: str,
                new_price: Money, new_period: Period | None, at: datetime,
                credit_balance: Money, coupon: Coupon | None = None) -> PlanChange:
    """The lines and settlement of a change at `at`.

    `new_period` is None for a change of size only (renewal date kept, the new price charged for
    the time left); otherwise it is the new period starting at `at` (monthly ↔ yearly), charged
    in full. A `coupon` discounts the charge line.
    """
    fraction = fraction_left(current, at)
    credit = Line("credit", f"Unused time on {old_name}", prorate(basis, fraction), at,
                  current.end)
    if new_period is None:
        charge = Line("charge", f"Remaining time on {new_name}", prorate(new_price, fraction),
                      at, current.end)
        period_after = current
    else:
        charge = Line("charge", f"{new_name} from the change", new_price, new_period.start,
                      new_period.end)
        period_after = new_period
    lines = (credit, charge, *discount_lines(coupon, charge))
    net = charge.amount - credit.amount + sum_of(lines[2:], charge.amount.currency)
    return PlanChange(lines, settle(net, credit_balance), period_after,
                      period_basis(new_price, coupon))


# -- coupons ----------------------------------------------------------------------------------

def discount_lines(coupon: Coupon | None, charge: Line) -> tuple[Line, ...]:
    """The coupon's line against `charge` (none without a coupon or when it takes nothing)."""
    if coupon is None:
        return ()
    off = discount(coupon, charge.amount)
    if off.amount <= 0:
        return ()
    return (Line("discount", coupon.describe(), -off, charge.period_start, charge.period_end),)


def sum_of(lines: tuple[Line, ...], currency: str) -> Money:
    total = Money.zero(currency)
    for line in lines:
        total = total + line.amount
    return total


def discount_of(lines: tuple[Line, ...]) -> Money:
    """What the discount lines take off (>= 0)."""
    return -sum_of(tuple(x for x in lines if x.kind == "discount"), lines[0].amount.currency)


def period_basis(price: Money, coupon: Coupon | None) -> Money:
    """What a whole period is paid at: a percent coupon's discounted price, else the price."""
    if coupon is None or coupon.percent_off is None:
        return price
    return price - discount(coupon, price)


@dataclass(frozen=True)
class PeriodBill:
    """The invoice of a whole period (a start or a renewal): its lines and how it is paid."""

    lines: tuple[Line, ...]
    settlement: Settlement
    basis: Money  # what the period is paid at (the credit basis of a later change)

    @property
    def net(self) -> Money:
        return self.settlement.net

    @property
    def discount(self) -> Money:
        return discount_of(self.lines)


def bill_period(label: str, price: Money, billed: Period, coupon: Coupon | None,
                credit_balance: Money) -> PeriodBill:
    """A whole period at `price`, less the coupon's discount; credit balance first."""
    charge = Line("charge", label, price, billed.start, billed.end)
    lines = (charge, *discount_lines(coupon, charge))
    net = price + sum_of(lines[1:], price.currency)
    return PeriodBill(lines, settle(net, credit_balance), period_basis(price, coupon))


# -- what falls due for the lifecycle job ---------------------------------------------------
# Written once: the repository's query (SubscriptionRepository.due) is built from these
# constants and `advance` decides with these functions; a test holds the two to agreement.

# A subscription in one of these states acts at its period end (renew, or end).
ACTS_AT_PERIOD_END = ("trialing", "active", "canceled")
# A site whose subscription ended is suspended, and deleted a while later (site_deletion_days).
DELETED_AFTER_ENDING = "suspended"


# A past-due subscription's card is tried again at its next payment attempt (dunning).
RETRIED = "past_due"


def dunning_retry_at(past_due_since: datetime, failures: int,
                     days: tuple[timedelta, ...]) -> datetime | None:
    """The dunning schedule: after `failures` declined tries the card is tried again the
    vendor's LICENSOR_DUNNING_DAYS after the renewal date (1, 3, 5, 7 days by default); None
    once the last retry failed (the subscription then ends)."""
    if failures > len(days):
        return None
    return past_due_since + days[failures - 1]


def period_end_due(status: str, period_end: datetime, now: datetime) -> bool:
    return status in ACTS_AT_PERIOD_END and period_end <= now


def retry_at(status: str, next_attempt: datetime | None) -> datetime | None:
    """When a past-due subscription's card is tried again (None: it is not past due)."""
    return next_attempt if status == RETRIED else None


def deletion_at(status: str, site_id: str | None, ended_at: datetime | None,
                keep: timedelta) -> datetime | None:
    """When the subscription's site is deleted, if it is to be: `keep` after it ended."""
    if status != DELETED_AFTER_ENDING or site_id is None or ended_at is None:
        return None
    return ended_at + keep


def falls_due(status: str, period_end: datetime, site_id: str | None,
              ended_at: datetime | None, now: datetime, keep: timedelta,
              next_attempt: datetime | None = None) -> bool:
    """Has the lifecycle job something to do for this subscription at `now`?"""
    deletion = deletion_at(status, site_id, ended_at, keep)
    retry = retry_at(status, next_attempt)
    return period_end_due(status, period_end, now) or (deletion is not None and deletion <= now) \
        or (retry is not None and retry <= now)
