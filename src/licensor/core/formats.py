"""Money and dates as people read them, in one place for pages, PDFs and mail alike.

Babel formats them for the installation's locale (LICENSOR_LOCALE, default en_US: $340.00,
March 4, 2027; en_GB with LICENSOR_DATE_FORMAT=medium: €1,234.50, 7 Dec 2026). Every Jinja
environment (pages, documents, mail) gets the same filters from `install_filters`, and Python
code that writes a sentence with an amount or a date calls `money`/`human_date` from here.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from babel.numbers import format_currency

from licensor.core.money import Money

_CODE_THEN_DIGIT = re.compile(r"([A-Za-z])(\d)")

# One installation per process: set from the settings when a Context is built (configure).
_style: dict[str, str] = {"locale": "en_US", "date_format": "long"}


def check_locale(value: str) -> str:
    """The locale as Babel knows it (en_GB for en-GB); ValueError for one it does not know."""
    try:
        return str(Locale.parse(value.replace("-", "_")))
    except (UnknownLocaleError, ValueError) as exc:
        raise ValueError(f"LICENSOR_LOCALE {value!r} is not a locale Babel knows; use a "
                         "language and region such as en_US, en_GB or de_DE") from exc


def configure(locale: str, date_format: str = "long") -> None:
    _style.update(locale=check_locale(locale), date_format=date_format)


def money(value: Money | dict[str, Any] | None) -> str:
    """$340.00 in en_US, 340,00 € in de_DE: the amount in the currency's own digits."""
    if value is None:
        return ""
    if isinstance(value, dict):
        value = Money(int(value["amount"]), str(value["currency"]))
    text = str(format_currency(value.decimal(), value.currency, locale=_style["locale"]))
    # CLDR's currency spacing, which Babel leaves out: a code before digits gets a space
    # (CHF 1,200.00, not CHF1,200.00); a symbol ($340.00) does not.
    return _CODE_THEN_DIGIT.sub("\\1\u00a0\\2", text)


def _moment(value: datetime | str) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def human_date(value: datetime | str | None) -> str:
    """March 4, 2027 (en_US, long); 4 Mar 2027 (en_GB, medium)."""
    if value is None:
        return ""
    return str(format_date(_moment(value), _style["date_format"], locale=_style["locale"]))


def human_time(value: datetime | str | None) -> str:
    """March 4, 2027, 14:05 UTC (times are always shown in UTC, named as such)."""
    if value is None:
        return ""
    moment = _moment(value)
    clock = format_time(moment, "HH:mm", locale=_style["locale"])
    return f"{human_date(moment)}, {clock} UTC"


def install_filters(env: Any) -> None:
    """`money`, `date` and `time` in a Jinja environment: pages, documents and mail share them."""
    env.filters["money"] = money
    env.filters["date"] = human_date
    env.filters["time"] = human_time
