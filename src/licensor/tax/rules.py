"""VAT as the EU taxes electronically supplied services: pure rules, no I/O, no clock.

The place of supply is the buyer's country. A buyer in the vendor's own country pays its
rate; a business in another registered state with a valid VAT ID self-accounts (reverse
charge); a consumer there pays that state's rate; a buyer outside the vendor's registrations
pays none. Tax is computed once per document, rounded half to even.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from licensor.core.money import Money, round_half_even

EU_MEMBER_STATES = frozenset({
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"})

EU_REVERSE_CHARGE_NOTE = ("Reverse charge: VAT to be accounted for by the recipient "
                          "(Article 196, Council Directive 2006/112/EC)")
REVERSE_CHARGE_NOTE = "Reverse charge: VAT to be accounted for by the recipient"


class Treatment(StrEnum):
    STANDARD = "standard"
    REVERSE_CHARGE = "reverse_charge"
    OUTSIDE_SCOPE = "outside_scope"
    NOT_COLLECTED = "not_collected"


class TaxMode(StrEnum):
    EXCLUSIVE = "exclusive"  # prices are net; tax is added
    INCLUSIVE = "inclusive"  # prices include the tax


def registered_countries(registrations: str) -> frozenset[str]:
    """`EU,GB` → every EU member state and GB (the One-Stop Shop covers the whole Union)."""
    found: set[str] = set()
    for part in registrations.replace(";", ",").split(","):
        code = part.strip().upper()
        if code == "EU":
            found |= EU_MEMBER_STATES
        elif code:
            found.add(code)
    return frozenset(found)


@dataclass(frozen=True)
class TaxSetup:
    vendor_country: str
    registrations: frozenset[str]
    mode: TaxMode = TaxMode.EXCLUSIVE

    @property
    def collects(self) -> bool:
        return bool(self.registrations)


@dataclass(frozen=True)
class RateEntry:
    country: str
    rate: Decimal  # percent: Decimal("19"), Decimal("25.5")
    effective_from: date


def rate_on(entries: Iterable[RateEntry], country: str, day: date) -> Decimal | None:
    """The rate of `country` on `day`: the entry with the latest date not after it. Entries
    later in `entries` win a tie, so a vendor's change on a shipped date replaces it."""
    best: RateEntry | None = None
    for entry in entries:
        if entry.country != country or entry.effective_from > day:
            continue
        if best is None or entry.effective_from >= best.effective_from:
            best = entry
    return best.rate if best is not None else None


@dataclass(frozen=True)
class Place:
    """Where a sale is taxed and how: the treatment, its country, the rate (None: no tax)."""

    treatment: Treatment
    country: str | None
    rate: Decimal | None
    note: str | None = None


def place_of_supply(setup: TaxSetup, buyer_country: str | None, *,
                    valid_vat_id: bool) -> Place:
    """The treatment of a sale; the rate is looked up by the caller for `standard`."""
    if not setup.collects:
        return Place(Treatment.NOT_COLLECTED, buyer_country, None)
    assert buyer_country is not None, "tax is collected: the buyer's country is required"
    if buyer_country == setup.vendor_country and buyer_country in setup.registrations:
        return Place(Treatment.STANDARD, buyer_country, None)
    if buyer_country not in setup.registrations:
        return Place(Treatment.OUTSIDE_SCOPE, buyer_country, None)
    if valid_vat_id:
        note = (EU_REVERSE_CHARGE_NOTE if buyer_country in EU_MEMBER_STATES
                else REVERSE_CHARGE_NOTE)
        return Place(Treatment.REVERSE_CHARGE, buyer_country, None, note)
    return Place(Treatment.STANDARD, buyer_country, None)


@dataclass(frozen=True)
class Amounts:
    subtotal: Money  # after discounts, before tax
    tax: Money
    total: Money


def amounts(price: Money, rate: Decimal | None, mode: TaxMode) -> Amounts:
    """Subtotal, tax and total of a document whose lines add up to `price`.

    Exclusive: tax = price × rate, rounded half to even. Inclusive: the price is the total;
    subtotal = total / (1 + rate), rounded half to even, and tax = total − subtotal, so the
    three always add up to the cent."""
    zero = Money.zero(price.currency)
    if rate is None or rate == 0:
        return Amounts(price, zero, price)
    factor = Fraction(rate) / 100
    if mode is TaxMode.EXCLUSIVE:
        tax = Money(round_half_even(Fraction(price.amount) * factor), price.currency)
        return Amounts(price, tax, price + tax)
    subtotal = Money(round_half_even(Fraction(price.amount) / (1 + factor)), price.currency)
    return Amounts(subtotal, price - subtotal, price)


def rate_text(rate: Decimal | None) -> str | None:
    """"19", "25.5": the rate as the API and documents show it (no trailing zeros)."""
    if rate is None:
        return None
    text = format(rate.normalize(), "f")
    return text


def parse_rate(text: str) -> Decimal | None:
    """A rate in percent from 0 up to (not including) 100 with at most two decimals, or None."""
    try:
        rate = Decimal(text.strip())
    except (ArithmeticError, ValueError, AttributeError):
        return None
    if not rate.is_finite() or rate < 0 or rate >= 100 or rate != rate.quantize(Decimal("0.01")):
        return None
    return rate
