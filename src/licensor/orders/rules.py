"""Rules of orders: prices of perpetual licenses (a new license, an upgrade to more seats), how
long a quote holds its price, and which totals may be paid by invoice.

An upgrade costs the list price of the new total minus the list price of the current total,
both at today's prices, never below zero: the customer pays in total what buying every seat at
once would have cost (desktop 1 -> 5 users = 429.00 - 89.00 = 340.00).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from licensor.catalog.rules import Pricing, seats_text
from licensor.core.errors import LicensorError
from licensor.core.money import MINOR_UNIT_DIGITS, Money
from licensor.core.web.views import iso

if TYPE_CHECKING:
    from licensor.config import Settings


def larger(a: int | None, b: int | None) -> bool:
    """Is a seat count `a` larger than `b`? None is the unlimited tier, larger than any count."""
    if a is None:
        return b is not None
    return b is not None and a > b


def new_license_price(pricing: Pricing, seats: int | None) -> Money:
    """List price of a new license (raises INVALID_SEATS / INVALID_TIER)."""
    return pricing.list_price(seats)


def current_value(pricing: Pricing, seats: int | None) -> Money:
    """Today's list price of a license the customer already has.

    A tier the catalog no longer sells is valued as the largest tier still sold that is not
    larger than it (the customer is credited no more than they could buy it for today).
    """
    if pricing.kind == "volume":
        return pricing.list_price(seats)
    tier = pricing.tier_for(seats)
    if tier is not None:
        return tier.price
    credit = Money.zero(pricing.currency)
    for candidate in pricing.tiers:
        if not larger(candidate.seats, seats):
            credit = candidate.price
    return credit


def upgrade_price(pricing: Pricing, from_seats: int | None, to_seats: int | None,
                  unit: str | None = None) -> Money:
    """New total's list price minus the current total's, never below zero.

    Raises INVALID_SEATS / INVALID_TIER for a target the catalog does not sell and
    UPGRADE_NOT_LARGER for the same or fewer seats (there is no downgrade).
    """
    target = pricing.list_price(to_seats)
    if not larger(to_seats, from_seats):
        raise LicensorError(
            "UPGRADE_NOT_LARGER",
            f"An upgrade must be to more than the license's {seats_text(from_seats, unit)}. "
            "There is no downgrade of a perpetual license: for fewer seats, buy a new, "
            "smaller license.", {"current_seats": from_seats, "requested_seats": to_seats})
    return (target - current_value(pricing, from_seats)).max_zero()


@dataclass(frozen=True)
class UpgradePrice:
    from_seats: int | None
    to_seats: int | None
    price: Money


def upgrade_table(pricing: Pricing) -> list[UpgradePrice]:
    """The published upgrade prices.

    Volume pricing: every from/to pair among 1-10 seats and the band edges (each band's first
    seat count and the one just below it). Tiers: every smaller -> larger tier pair.
    """
    counts: list[int | None]
    if pricing.kind == "volume":
        points = set(range(1, 11))
        for band in pricing.bands:
            points.add(band.min_seats)
            if band.min_seats > 1:
                points.add(band.min_seats - 1)
        counts = [*sorted(points)]
    else:
        counts = pricing.tier_seats()
    return [UpgradePrice(a, b, upgrade_price(pricing, a, b))
            for i, a in enumerate(counts) for b in counts[i + 1:]]


# -- quote validity ----------------------------------------------------------------------------

def quote_expires_at(now: datetime, validity: timedelta) -> datetime:
    """A quote holds its lines and total for the vendor's LICENSOR_QUOTE_VALIDITY_DAYS."""
    return now + validity


def check_quote_current(quote_id: str, created_at: datetime, expires_at: datetime,
                        now: datetime) -> None:
    """Refuse an expired quote (QUOTE_EXPIRED). The days it held are its own (what it promised
    when made), not today's setting."""
    if now >= expires_at:
        raise LicensorError("QUOTE_EXPIRED", "This quote has expired (quotes are valid "
                            f"{(expires_at - created_at).days} days); ask for a new one at "
                            "today's prices.",
                            {"quote_id": quote_id, "expired_at": iso(expires_at)})


# -- invoice minimum ---------------------------------------------------------------------------

def invoice_minimum(settings: Settings, currency: str) -> Money:
    """The smallest total payable by invoice: the vendor's LICENSOR_INVOICE_MINIMUM (whole units)
    in the quote's currency."""
    return Money(settings.invoice_minimum * 10 ** MINOR_UNIT_DIGITS.get(currency, 2), currency)


def invoice_allowed(settings: Settings, total: Money) -> bool:
    """May an order of `total` be paid by invoice (check or bank transfer)?"""
    return total >= invoice_minimum(settings, total.currency)


def check_payment_method(settings: Settings, method: str, total: Money) -> None:
    """Refuse an invoice below the minimum (PAYMENT_METHOD_NOT_ALLOWED); a card pays any total."""
    if method == "invoice" and not invoice_allowed(settings, total):
        minimum = invoice_minimum(settings, total.currency)
        raise LicensorError("PAYMENT_METHOD_NOT_ALLOWED", "Invoices (check or bank transfer) "
                            f"are for orders of {minimum.display()} or more; pay this one by "
                            "card.", {"minimum": minimum.to_json()})
