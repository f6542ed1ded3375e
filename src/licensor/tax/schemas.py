"""JSON shapes of the tax on documents, credit notes, tax rates and the tax report."""

from __future__ import annotations

from typing import Literal

from licensor.core.web.openapi import Answer, Timestamp, example
from licensor.core.web.openapi import Money as MoneyAnswer

TAX_EXAMPLE = {"treatment": "standard", "country": "DE", "rate": "19",
               "amount": {"amount": 1691, "currency": "EUR"}, "vat_id": None,
               "vat_id_status": None, "note": None}


class Tax(Answer):
    treatment: Literal["standard", "reverse_charge", "outside_scope", "not_collected"]
    country: str | None
    rate: str | None  # percent as text, "19" or "25.5"; null when no tax is charged
    amount: MoneyAnswer
    vat_id: str | None
    vat_id_status: Literal["valid", "unverified"] | None
    note: str | None  # the reverse-charge wording the invoice carries

    model_config = example(TAX_EXAMPLE)


CREDIT_NOTE_EXAMPLE = {
    "id": "cn_4f1c", "number": "CN-000001", "order_id": "ord_7Hq2",
    "subtotal": {"amount": -8900, "currency": "EUR"}, "tax": {"amount": -1691, "currency": "EUR"},
    "total": {"amount": -10591, "currency": "EUR"}, "treatment": "standard", "country": "DE",
    "rate": "19", "created_at": "2026-01-20T10:00:00Z"}


class CreditNote(Answer):
    id: str
    number: str
    order_id: str | None
    subtotal: MoneyAnswer
    tax: MoneyAnswer
    total: MoneyAnswer
    treatment: str
    country: str | None
    rate: str | None
    created_at: Timestamp

    model_config = example(CREDIT_NOTE_EXAMPLE)


class TaxRate(Answer):
    country: str
    rate: str
    effective_from: str

    model_config = example({"country": "DE", "rate": "19", "effective_from": "2024-01-01"})


class TaxRateList(Answer):
    data: list[TaxRate]

    model_config = example({"data": [{"country": "DE", "rate": "19",
                                      "effective_from": "2024-01-01"}]})


class TaxReportRow(Answer):
    country: str | None
    treatment: str
    currency: str
    rate: str | None
    net: MoneyAnswer
    tax: MoneyAnswer
    documents: int


class TaxReport(Answer):
    data: list[TaxReportRow]

    model_config = example({"data": [{
        "country": "DE", "treatment": "standard", "currency": "EUR", "rate": "19",
        "net": {"amount": 8900, "currency": "EUR"}, "tax": {"amount": 1691, "currency": "EUR"},
        "documents": 1}]})
