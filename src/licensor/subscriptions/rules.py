"""Plan-change arithmetic: credit for the unused time, charge for the new plan's time.

fraction = seconds left in the period / seconds in the period, an exact Fraction. The credit
line is the period's *paid basis* (what was actually charged for a whole period at the current
rate) × fraction; the charge line is the new price × fraction. Each line is rounded to the
minor unit half-to-even on its own; net = charge − credit. The credit balance pays first, the
card the rest; a negative net goes to the credit balance.

Because the credit is computed from the paid basis, several changes in one period chain: after
a change the basis becomes the new plan's price, which is exactly what was charged per unit of
the remaining time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from licensor.core.money import Money
from licensor.subscriptions.periods import Period


@dataclass(frozen=True)
class Line:
    kind: str  # "credit" | "charge"
    description: str
    amount: Money  # always >= 0; the kind says which way it goes
    period_start: datetime
    period_end: datetime


@dataclass(frozen=True)
class Settlement:
    """How a net amount is paid: credit balance first, then the card."""

    net: Money
    credit_applied: Money
    amount_due: Money
    credit_balance_after: Money


@dataclass(frozen=True)
class PlanChange:
    lines: tuple[Line, ...]
    settlement: Settlement
    period_after: Period
    basis_after: Money  # the price the remaining period is now paid at

    @property
    def net(self) -> Money:
        return self.settlement.net


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
                credit_balance: Money) -> PlanChange:
    """The lines and settlement of a change at `at`.

    `new_period` is None for a change of size only (renewal date kept, the new price charged for
    the time left); otherwise it is the new period starting at `at` (monthly ↔ yearly), charged
    in full.
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
    net = charge.amount - credit.amount
    return PlanChange((credit, charge), settle(net, credit_balance), period_after, new_price)


# -- what falls due for the lifecycle job ---------------------------------------------------
# Written once: the repository's query (SubscriptionRepository.due) is built from these
# constants and `advance` decides with these functions; a test holds the two to agreement.

# A subscription in one of these states acts at its period end (renew, or end).
ACTS_AT_PERIOD_END = ("trialing", "active", "canceled")
# A site whose subscription ended is suspended, and deleted a while later (site_deletion_days).
DELETED_AFTER_ENDING = "suspended"


def period_end_due(status: str, period_end: datetime, now: datetime) -> bool:
    return status in ACTS_AT_PERIOD_END and period_end <= now


def deletion_at(status: str, site_id: str | None, ended_at: datetime | None,
                keep: timedelta) -> datetime | None:
    """When the subscription's site is deleted, if it is to be: `keep` after it ended."""
    if status != DELETED_AFTER_ENDING or site_id is None or ended_at is None:
        return None
    return ended_at + keep


def falls_due(status: str, period_end: datetime, site_id: str | None,
              ended_at: datetime | None, now: datetime, keep: timedelta) -> bool:
    """Has the lifecycle job something to do for this subscription at `now`?"""
    deletion = deletion_at(status, site_id, ended_at, keep)
    return period_end_due(status, period_end, now) or (deletion is not None and deletion <= now)
