"""The tax of a document: from the vendor's settings, the buyer's country and VAT ID, and the
rate on the document's date, to the subtotal, one tax line and the total.

A taxed document keeps its tax as a JSON object (`Tax`, stored on the quote, the order, the
subscription's invoice) so that it never changes after issue, whatever the rates do later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from licensor.config import Settings
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.formats import money
from licensor.core.money import Money
from licensor.tax import rates, vat_ids
from licensor.tax.rules import (
    Place,
    TaxMode,
    TaxSetup,
    Treatment,
    amounts,
    place_of_supply,
    rate_on,
    rate_text,
    registered_countries,
)
from licensor.tax.vat_ids import VatIdStatus


def setup_of(settings: Settings) -> TaxSetup:
    return TaxSetup(vendor_country=settings.vendor_country.strip().upper(),
                    registrations=registered_countries(settings.tax_registrations),
                    mode=TaxMode(settings.tax_mode))


def collects(settings: Settings) -> bool:
    return setup_of(settings).collects


@dataclass(frozen=True)
class Customer:
    """Who the tax is worked out for: the buyer's country and, for a business, its VAT ID."""

    country: str | None
    vat_id: str | None = None


def customer_of(data: Any, where: str) -> Customer | None:
    """{country, vat_id?} from a request (`where` names it in errors), or None if absent."""
    if data is None:
        return None
    if not isinstance(data, dict):
        raise LicensorError("INVALID_REQUEST", f"{where} must be an object {{country, vat_id?}}.",
                            {"field": where})
    country = data.get("country")
    vat_id = data.get("vat_id")
    if vat_id is not None and (not isinstance(vat_id, str) or len(vat_id) > 40):
        raise LicensorError("INVALID_REQUEST", f"{where}.vat_id must be text of at most 40 "
                            "characters, such as DE136695976.", {"field": f"{where}.vat_id"})
    return Customer(
        country=rates.check_country(country, f"{where}.country") if country else None,
        vat_id=vat_id.strip() or None if isinstance(vat_id, str) else None)


def country_required(where: str) -> LicensorError:
    return LicensorError("COUNTRY_REQUIRED", "The buyer's country is required: the vendor "
                         "collects tax, and the tax depends on where the buyer is. Send "
                         f"{where}.country (a two-letter code such as DE).",
                         {"field": f"{where}.country"})


def checked_vat_id(ctx: Context, setup: TaxSetup, customer: Customer
                    ) -> tuple[str | None, VatIdStatus | None]:
    """The buyer's VAT ID in compact form and how far it was checked. Only where the vendor
    collects does the ID decide anything; elsewhere it is kept as typed, unchecked."""
    if customer.vat_id is None:
        return None, None
    if customer.country not in setup.registrations:
        return customer.vat_id, None
    assert customer.country is not None
    vat_id = vat_ids.normalize(customer.vat_id, customer.country)
    if ctx.settings.vies_on and customer.country in vat_ids.EU_MEMBER_STATES:
        vies = vat_ids.Vies(ctx.settings.vies_url, ctx.settings.vies_timeout)
        return vat_id, vat_ids.vies_check(vies, vat_id)
    return vat_id, VatIdStatus.VALID


def rate_at(session: Session, place: Place, now: datetime) -> Place:
    if place.treatment is not Treatment.STANDARD or place.country is None:
        return place
    rate = rate_on(rates.rate_entries(session), place.country, now.date())
    if rate is None:
        raise LicensorError("TAX_RATE_MISSING", f"No tax rate is known for {place.country} on "
                            f"{now.date().isoformat()}, where the vendor collects tax; the "
                            "vendor records one with PUT /v1/tax-rates/" + place.country + ".",
                            {"country": place.country})
    return Place(place.treatment, place.country, rate, place.note)


def assess(ctx: Context, session: Session, price: Money, customer: Customer | None, *,
           now: datetime, where: str, required: bool = True,
           evidence: dict[str, Any] | None = None) -> dict[str, Any]:
    """The tax of a document whose lines (after discounts) add up to `price`, as stored.

    Without a country while tax is collected: 422 COUNTRY_REQUIRED, or, when not `required`
    (a quote may leave the buyer unknown), a tax still to be worked out (treatment None)."""
    setup = setup_of(ctx.settings)
    stored: dict[str, Any] = {"price": price.amount, "vat_id": None, "vat_id_status": None,
                              "note": None, "rate": None,
                              "evidence": evidence or {}}
    if not setup.collects:
        country = customer.country if customer else None
        return {**stored, "treatment": Treatment.NOT_COLLECTED.value, "country": country,
                "subtotal": price.amount, "amount": 0,
                "vat_id": customer.vat_id if customer else None}
    if customer is None or customer.country is None:
        if required:
            raise country_required(where)
        return {**stored, "treatment": None, "country": None, "subtotal": price.amount,
                "amount": 0}
    vat_id, status = checked_vat_id(ctx, setup, customer)
    place = place_of_supply(setup, customer.country, valid_vat_id=status is VatIdStatus.VALID)
    place = rate_at(session, place, now)
    result = amounts(price, place.rate, setup.mode)
    return {**stored, "treatment": place.treatment.value, "country": place.country,
            "rate": rate_text(place.rate), "subtotal": result.subtotal.amount,
            "amount": result.tax.amount, "vat_id": vat_id,
            "vat_id_status": status.value if status else None, "note": place.note}


def with_card_country(stored: dict[str, Any] | None,
                      country: str | None) -> dict[str, Any] | None:
    """The stored tax with the paying card's country added to its evidence, when the processor
    told it (a new dict, so that the JSON column sees the change)."""
    if stored is None or country is None:
        return stored
    return {**stored, "evidence": {**(stored.get("evidence") or {}), "card_country": country}}


def price_of(stored: dict[str, Any] | None, total: Money) -> Money:
    """What the document's lines add up to (before any tax was added)."""
    if stored is None:
        return total
    return Money(int(stored["price"]), total.currency)


def total_of(stored: dict[str, Any]) -> int:
    """The document's total in minor units: subtotal plus tax (in inclusive mode this is the
    price, as the subtotal was taken out of it)."""
    return int(stored["subtotal"]) + int(stored["amount"])


def tax_view(stored: dict[str, Any] | None, total: Money) -> dict[str, Any]:
    """`subtotal` and `tax` as the API shows them beside a document's `total`. A document from
    before tax was collected, or sold while it is not, is `not_collected`; a quote that does
    not know the buyer's country yet shows `tax: null`."""
    if stored is None:
        stored = {"treatment": Treatment.NOT_COLLECTED.value, "country": None, "rate": None,
                  "amount": 0, "subtotal": total.amount}
    subtotal = Money(int(stored["subtotal"]), total.currency).to_json()
    if stored.get("treatment") is None:
        return {"subtotal": subtotal, "tax": None}
    return {"subtotal": subtotal, "tax": {
        "treatment": stored["treatment"], "country": stored.get("country"),
        "rate": stored.get("rate"), "amount": Money(int(stored["amount"]), total.currency)
        .to_json(), "vat_id": stored.get("vat_id"), "vat_id_status": stored.get("vat_id_status"),
        "note": stored.get("note")}}


def tax_line(stored: dict[str, Any] | None) -> str | None:
    """The tax line's label on pages, PDFs and mails: "VAT 19%", "Reverse charge", or None
    when no tax is collected."""
    if stored is None or stored.get("treatment") in (None, Treatment.NOT_COLLECTED.value):
        return None
    if stored["treatment"] == Treatment.REVERSE_CHARGE.value:
        return "Reverse charge"
    if stored["treatment"] == Treatment.OUTSIDE_SCOPE.value:
        return "VAT (outside scope)"
    return f"VAT {stored['rate']}%"


def document_fields(stored: dict[str, Any] | None, currency: str) -> dict[str, Any]:
    """The tax breakdown of a page, PDF or mail (`core.documents.Document`'s tax fields);
    empty when no tax is collected, so such documents read as they always did."""
    line = tax_line(stored)
    if stored is None or line is None:
        return {}
    return {"subtotal": Money(int(stored["subtotal"]), currency), "tax_line": line,
            "tax_amount": Money(int(stored["amount"]), currency), "tax_note": stored.get("note")}


def mail_fields(stored: dict[str, Any] | None, currency: str) -> dict[str, Any]:
    """The tax breakdown for a mail's template (`tax_lines`: [{label, amount}] as text, and
    `tax_note`); empty when no tax is collected, so those mails read as they always did."""
    fields = document_fields(stored, currency)
    if not fields:
        return {}
    return {"tax_lines": [{"label": "Subtotal", "amount": money(fields["subtotal"])},
                          {"label": fields["tax_line"], "amount": money(fields["tax_amount"])}],
            "tax_note": fields["tax_note"]}
