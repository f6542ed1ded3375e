"""Pure rules of licenses (no I/O)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from licensor.core.calendar import add_months
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


def first_end(start: datetime, months: int) -> datetime:
    """The maintenance end of a new license, or of an upgrade: `months` from that moment,
    replacing any earlier period (maintenance.rules renews and shortens it)."""
    return add_months(start, months)
