"""A subscription's billing details: who is invoiced, where, and with which VAT ID. Saving them
checks the VAT ID (format, check digits, VIES) and fixes the treatment once; each invoice then
takes the rate of its own date, so renewals need neither the buyer nor VIES."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.tax import service
from licensor.tax.rules import Place, TaxMode, Treatment, amounts, place_of_supply, rate_text
from licensor.tax.vat_ids import VatIdStatus


def _text(data: dict[str, Any], key: str, where: str, limit: int, *,
          required: bool = False) -> str | None:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            raise LicensorError("INVALID_REQUEST", f"The field '{where}.{key}' is required.",
                                {"field": f"{where}.{key}"})
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise LicensorError("INVALID_REQUEST", f"{where}.{key} must be text of 1 to {limit} "
                            "characters.", {"field": f"{where}.{key}"})
    return value.strip()


def billing_details(ctx: Context, session: Session, data: Any,
                    where: str = "billing_details") -> dict[str, Any]:
    """The details as stored: {name, company, address, country, vat_id, vat_id_status,
    treatment, note, mode}; 422 COUNTRY_REQUIRED / INVALID_VAT_ID / INVALID_REQUEST."""
    if not isinstance(data, dict):
        raise LicensorError("INVALID_REQUEST", f"{where} must be an object {{name, company?, "
                            "address?, country, vat_id?}.", {"field": where})
    name = _text(data, "name", where, 200, required=True)
    company, address = _text(data, "company", where, 200), _text(data, "address", where, 1000)
    customer = service.customer_of({"country": data.get("country"),
                                    "vat_id": data.get("vat_id")}, where)
    assert customer is not None
    if customer.country is None:
        raise service.country_required(where)
    setup = service.setup_of(ctx.settings)
    if not setup.collects:
        place = Place(Treatment.NOT_COLLECTED, customer.country, None)
        vat_id, status = customer.vat_id, None
    else:
        vat_id, status = service.checked_vat_id(ctx, setup, customer)
        place = place_of_supply(setup, customer.country,
                                valid_vat_id=status is VatIdStatus.VALID)
    return {"name": name, "company": company, "address": address, "country": customer.country,
            "vat_id": vat_id, "vat_id_status": status.value if status else None,
            "treatment": place.treatment.value, "note": place.note, "mode": setup.mode.value}


def invoice_tax(session: Session, details: dict[str, Any] | None, price: Money,
                at: datetime) -> dict[str, Any] | None:
    """The tax of an invoice of `price` dated `at` for these details (None: no details, so no
    tax, as before billing details existed)."""
    if not details or details.get("treatment") is None:
        return None
    place = Place(Treatment(details["treatment"]), details.get("country"), None,
                  details.get("note"))
    place = service.rate_at(session, place, at)
    result = amounts(price, place.rate, TaxMode(details.get("mode") or "exclusive"))
    return {"price": price.amount, "treatment": place.treatment.value, "country": place.country,
            "rate": rate_text(place.rate), "subtotal": result.subtotal.amount,
            "amount": result.tax.amount, "vat_id": details.get("vat_id"),
            "vat_id_status": details.get("vat_id_status"), "note": place.note,
            "evidence": {"buyer_country": details.get("country")}}


def details_view(details: dict[str, Any] | None) -> dict[str, Any] | None:
    if not details:
        return None
    return {key: details.get(key) for key in ("name", "company", "address", "country",
                                              "vat_id", "vat_id_status")}
