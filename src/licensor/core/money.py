"""Money in integer minor units with its currency; Decimal only where a rate applies."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from licensor.core.errors import LicensorError

# ISO 4217 minor-unit exponents for the currencies a catalog may use.
MINOR_UNIT_DIGITS: dict[str, int] = {
    "USD": 2, "EUR": 2, "GBP": 2, "CHF": 2, "CAD": 2, "AUD": 2, "NZD": 2, "SEK": 2,
    "NOK": 2, "DKK": 2, "PLN": 2, "CZK": 2, "BRL": 2, "MXN": 2, "INR": 2, "CNY": 2,
    "JPY": 0, "KRW": 0, "HUF": 2, "ZAR": 2, "SGD": 2, "HKD": 2, "ILS": 2, "KWD": 3,
}


@dataclass(frozen=True, order=True)
class Money:
    amount: int  # minor units (cents for USD)
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount must be an int of minor units")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def times(self, n: int) -> Money:
        return Money(self.amount * n, self.currency)

    def scaled(self, factor: Decimal | Fraction) -> Money:
        """This amount times a rate, rounded to the minor unit half-to-even (banker's rounding)."""
        exact = Fraction(self.amount) * Fraction(factor)
        return Money(round_half_even(exact), self.currency)

    def max_zero(self) -> Money:
        return self if self.amount > 0 else Money(0, self.currency)

    @property
    def digits(self) -> int:
        return MINOR_UNIT_DIGITS.get(self.currency, 2)

    def decimal(self) -> Decimal:
        return Decimal(self.amount).scaleb(-self.digits)

    def display(self) -> str:
        """As people read it, in the installation's locale ($340.00): core/formats."""
        from licensor.core.formats import money  # formats reads Money

        return money(self)

    def to_json(self) -> dict[str, Any]:
        return {"amount": self.amount, "currency": self.currency}

    @classmethod
    def from_json(cls, data: Any, where: str = "price") -> Money:
        if not isinstance(data, dict):
            raise LicensorError("INVALID_CATALOG", f"{where} must be an object "
                                '{"amount": <minor units>, "currency": "USD"}.',
                                {"field": where})
        amount, currency = data.get("amount"), data.get("currency")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            raise LicensorError("INVALID_CATALOG", f"{where}.amount must be a non-negative "
                                "integer of minor units (8900 for 89.00).", {"field": where})
        if currency not in MINOR_UNIT_DIGITS:
            raise LicensorError("INVALID_CATALOG", f"{where}.currency must be an ISO 4217 code "
                                f"Licensor knows, such as USD; got {currency!r}.",
                                {"field": where})
        return cls(amount, currency)


def round_half_even(value: Fraction) -> int:
    """Round an exact rational to the nearest integer, ties to even (no float on the way)."""
    floor = value.numerator // value.denominator
    rest = value - floor
    if rest > Fraction(1, 2):
        return floor + 1
    if rest < Fraction(1, 2):
        return floor
    return floor if floor % 2 == 0 else floor + 1

