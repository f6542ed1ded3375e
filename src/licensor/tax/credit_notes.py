"""A credit note as a document (page and PDF through core/documents, like invoices)."""

from __future__ import annotations

from typing import Any

from licensor.config import Settings
from licensor.core.documents import Document, seller
from licensor.core.money import Money
from licensor.tax.models import TaxDocumentRow
from licensor.tax.service import tax_line


def credit_note_document(settings: Settings, row: TaxDocumentRow,
                         buyer: dict[str, Any] | None = None) -> Document:
    credited = str((row.evidence or {}).get("credits") or "")
    stored = {"treatment": row.treatment, "rate": row.rate}
    line = tax_line(stored)
    breakdown: dict[str, Any] = {} if line is None else {
        "subtotal": Money(row.net, row.currency), "tax_line": line,
        "tax_amount": Money(row.tax, row.currency)}
    vat_id = f" Buyer's VAT ID: {row.vat_id}." if row.vat_id else ""
    return Document(
        title="Credit note", number=row.number, date=row.issued_at, seller=seller(settings),
        buyer=buyer or {}, status="Refunded",
        lines=[{"description": f"Refund of invoice {credited}",
                             "amount": Money(row.net, row.currency)}],
        total=Money(row.net + row.tax, row.currency),
        terms=f"Cancels invoice {credited} in full.{vat_id}",
        how_to_pay="Nothing to pay: the amount was refunded to the original payment method.",
        **breakdown)
