"""Pure rules of licenses (no I/O)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from licensor.core.errors import LicensorError
from licensor.verify import EARLIEST_KEY_TIME, LATEST_KEY_TIME

# A marketplace license number (SEN): a license sold or moved to the marketplace carries one.
SEN_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")


def check_sen(sen: str | None, field_name: str = "sen") -> str:
    """A marketplace license number such as SEN-L1234567 (letters, digits and dashes)."""
    cleaned = (sen or "").strip()
    if not cleaned:
        raise LicensorError("INVALID_REQUEST", f"The field '{field_name}' is required: the "
                            "marketplace's license number (SEN), e.g. SEN-L1234567.",
                            {"field": field_name})
    if not SEN_RE.match(cleaned):
        raise LicensorError("INVALID_REQUEST", f"The field '{field_name}' must be a marketplace "
                            "license number such as SEN-L1234567 (letters, digits and dashes, "
                            "up to 64).", {"field": field_name})
    return cleaned


def check_key_time(moment: datetime, *, field: str, what: str, remedy: str) -> None:
    """A time a License Key carries must fit its 4-byte Unix seconds (docs/key-format.md): the
    key cannot say 1960 or 2107, and the server refuses what it cannot sign."""
    if not EARLIEST_KEY_TIME <= int(moment.timestamp()) <= LATEST_KEY_TIME:
        first = datetime.fromtimestamp(EARLIEST_KEY_TIME, UTC)
        last = datetime.fromtimestamp(LATEST_KEY_TIME, UTC)
        raise LicensorError("INVALID_REQUEST", f"{what} would be {moment:%Y-%m-%d}, outside the "
                            f"dates a License Key can carry ({first:%Y-%m-%d} to "
                            f"{last:%Y-%m-%d}); {remedy}", {"field": field})


def check_seat_free(seats: int | None, taken: int) -> None:
    """The seat cap: a license with every seat taken refuses a new user (SEATS_EXHAUSTED);
    None seats is unlimited. The same user again is the same seat (checked before this)."""
    if seats is not None and taken >= seats:
        raise LicensorError("SEATS_EXHAUSTED", f"Every seat of this license ({seats}) is taken. "
                            "Unregister a user who no longer needs it, or upgrade to more users.",
                            {"seats": seats, "registered": taken})


# The maintenance end a sale gives is maintenance's rule (maintenance.rules.first_end);
# maintenance builds on licenses, so capabilities.py hands it over instead of an import.
_maintenance_end: list[Callable[[datetime, int], datetime]] = []


def use_maintenance_end(rule: Callable[[datetime, int], datetime]) -> None:
    _maintenance_end[:] = [rule]


def maintenance_end_of_sale(start: datetime, months: int) -> datetime:
    """`months` of maintenance from `start` (a sale or an upgrade), by maintenance's rule."""
    if not _maintenance_end:
        raise RuntimeError("licenses.rules.use_maintenance_end was not called: importing "
                           "licensor.capabilities registers maintenance's rule here")
    return _maintenance_end[0](start, months)
