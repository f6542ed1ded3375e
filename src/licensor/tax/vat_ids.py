"""VAT IDs: format and check digits (python-stdnum knows every country's algorithm), then,
when the vendor turns it on, the EU's VIES service says whether the ID exists.

VIES is often slow or down for one member state; an answer that does not come in time is
"unverified", never "invalid": the buyer is then taxed as a consumer, which is always lawful.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from enum import StrEnum

import httpx
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError

from licensor.core.errors import LicensorError
from licensor.tax.rules import EU_MEMBER_STATES

# VIES and the IDs themselves write Greece as EL.
_VAT_PREFIX = {"GR": "EL"}
_OTHER_VAT_MODULES = {"GB": "stdnum.gb.vat", "NO": "stdnum.no.mva", "CH": "stdnum.ch.vat"}
# What VIES's `userError` says when the member state's own register did not answer.
_VIES_UNAVAILABLE = {"MS_UNAVAILABLE", "TIMEOUT", "SERVICE_UNAVAILABLE", "MS_MAX_CONCURRENT_REQ",
                     "GLOBAL_MAX_CONCURRENT_REQ", "SERVER_BUSY"}


class VatIdStatus(StrEnum):
    VALID = "valid"
    UNVERIFIED = "unverified"


def invalid_vat_id(vat_id: str, why: str) -> LicensorError:
    return LicensorError("INVALID_VAT_ID", f"The VAT ID {vat_id[:40]!r} {why}. Check it "
                         "against the buyer's registration, or leave it out to buy as a "
                         "consumer (VAT of the buyer's country is then charged).",
                         {"field": "vat_id", "vat_id": vat_id[:40]})


def normalize(vat_id: str, country: str) -> str:
    """The ID in its compact form with its country prefix ("de 136 695 976" → DE136695976);
    422 INVALID_VAT_ID when its format or check digits are wrong or it is another country's."""
    try:
        return _validated(vat_id, country)
    except ValidationError as exc:
        raise invalid_vat_id(vat_id, f"is not well formed ({str(exc).rstrip('.').lower()})"
                             ) from None


def _validated(vat_id: str, country: str) -> str:
    prefix = _VAT_PREFIX.get(country, country)
    if country in _OTHER_VAT_MODULES:
        checker = importlib.import_module(_OTHER_VAT_MODULES[country])
        compact = str(checker.validate(checker.compact(vat_id)))
        return compact if compact.startswith(prefix) else prefix + compact
    if country not in EU_MEMBER_STATES:
        raise invalid_vat_id(vat_id, f"cannot be checked: VAT IDs are checked for EU member "
                             f"states, GB, NO and CH, not {country}")
    text = "".join(vat_id.split()).upper()
    if text[:2].isdigit():
        text = prefix + text
    if text[:2] != prefix:
        raise invalid_vat_id(vat_id, f"is not a VAT ID of {country} (it should start "
                             f"with {prefix})")
    return str(eu_vat.validate(text))


@dataclass(frozen=True)
class Vies:
    url: str
    timeout: float


def vies_check(vies: Vies, vat_id: str) -> VatIdStatus:
    """Ask VIES about an EU VAT ID already in compact form: valid, or unverified when VIES or
    the member state's register does not answer in time; 422 INVALID_VAT_ID when it says the
    ID does not exist."""
    country, number = vat_id[:2], vat_id[2:]
    address = f"{vies.url.rstrip('/')}/ms/{country}/vat/{number}"
    try:
        answer = httpx.get(address, timeout=vies.timeout)
        data = answer.json() if answer.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return VatIdStatus.UNVERIFIED
    if not isinstance(data, dict):
        return VatIdStatus.UNVERIFIED
    if data.get("isValid") is True:
        return VatIdStatus.VALID
    if data.get("userError") in _VIES_UNAVAILABLE or "isValid" not in data:
        return VatIdStatus.UNVERIFIED
    raise invalid_vat_id(vat_id, "is not registered, according to the EU's VIES service")
