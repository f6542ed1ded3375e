"""The rate table: the standard rates shipped as data (data/tax_rates.json) with the dates they
apply from, and the vendor's changes on top (PUT /v1/tax-rates/{country})."""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

import pycountry
from sqlalchemy.orm import Session

from licensor.core import audit
from licensor.core.errors import LicensorError
from licensor.tax.models import TaxRateRow
from licensor.tax.repository import TaxRepository
from licensor.tax.rules import RateEntry, parse_rate, rate_text


def _stored(country: str, text: str, starts: date) -> RateEntry:
    rate = parse_rate(text)
    if rate is None:  # only a hand-edited data file or row gets here
        raise ValueError(f"tax rate of {country} from {starts} is not a percentage: {text!r}")
    return RateEntry(country, rate, starts)


@cache
def shipped_rates() -> tuple[RateEntry, ...]:
    text = resources.files("licensor").joinpath("data/tax_rates.json").read_text("utf-8")
    return tuple(_stored(r["country"], r["rate"], date.fromisoformat(r["effective_from"]))
                 for r in json.loads(text)["rates"])


def rate_entries(session: Session) -> list[RateEntry]:
    """Shipped rates, then the vendor's changes (which win a tie on the same date)."""
    recorded = [_stored(row.country, row.rate, row.effective_from)
                for row in TaxRepository(session).recorded_rates()]
    return [*shipped_rates(), *recorded]


def rate_view(entry: RateEntry) -> dict[str, Any]:
    return {"country": entry.country, "rate": rate_text(entry.rate),
            "effective_from": entry.effective_from.isoformat()}


def listing(session: Session) -> list[dict[str, Any]]:
    """Every rate with its date, by country then date; a vendor's change replaces a shipped
    rate of the same country and date."""
    latest: dict[tuple[str, date], RateEntry] = {}
    for entry in rate_entries(session):
        latest[(entry.country, entry.effective_from)] = entry
    return [rate_view(latest[key]) for key in sorted(latest)]


def check_country(value: Any, field: str = "country") -> str:
    """An ISO 3166 alpha-2 code, upper-cased; 422 INVALID_REQUEST naming the field if not."""
    code = value.strip().upper() if isinstance(value, str) else ""
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise LicensorError("INVALID_REQUEST", f"{field} must be a country's ISO 3166 two-letter "
                            f"code, such as DE or US; got {str(value)[:20]!r}.", {"field": field})
    return code


def record_rate(session: Session, country: str, body: dict[str, Any], *, now: datetime,
                actor: str) -> RateEntry:
    """The vendor records a rate that applies to `country` from `effective_from` on."""
    code = check_country(country)
    rate = parse_rate(str(body.get("rate", "")))
    if rate is None or isinstance(body.get("rate"), bool):
        raise LicensorError("INVALID_REQUEST", "rate must be a percentage from 0 up to 100 with "
                            'at most two decimals, as text: "19" or "25.5".', {"field": "rate"})
    try:
        starts = date.fromisoformat(str(body.get("effective_from", "")))
    except ValueError:
        raise LicensorError("INVALID_REQUEST", "effective_from must be a date, YYYY-MM-DD: the "
                            "first day the rate applies.", {"field": "effective_from"}) from None
    row = TaxRateRow(country=code, rate=rate_text(rate), effective_from=starts, created_at=now,
                     actor=actor[:200])
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="tax_rate.recorded", entity_type="tax_rate",
                 entity_id=f"{code}:{starts.isoformat()}", before=None,
                 after={"rate": row.rate}, now=now)
    return RateEntry(code, rate, starts)


def country_options() -> list[tuple[str, str]]:
    """A form's Country select: every ISO 3166 country by name, after a prompt."""
    countries = sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda c: c[1])
    return [("", "Choose your country"), *countries]
