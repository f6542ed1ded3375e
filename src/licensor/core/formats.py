"""Money and dates as people read them, on pages and in mail: $340.00, March 4, 2027."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from licensor.core.money import Money

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$"}


def money(value: Money | dict[str, Any] | None) -> str:
    """$340.00 — the currency's symbol where it is unambiguous, else the code after the
    amount (1,200.00 CHF)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        value = Money(int(value["amount"]), str(value["currency"]))
    sign = "-" if value.amount < 0 else ""
    number = f"{abs(value.decimal()):,.{value.digits}f}"
    symbol = _SYMBOLS.get(value.currency)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {value.currency}"


def human_date(value: datetime | str | None) -> str:
    """March 4, 2027."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)  # Python 3.11 reads the Z
    return f"{value:%B} {value.day}, {value.year}"
