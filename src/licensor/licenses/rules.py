"""Pure rules of licenses (no I/O)."""

from __future__ import annotations

import re

from licensor.core.errors import LicensorError

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
