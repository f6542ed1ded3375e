"""Documents a buyer's accounts-payable files (quotes, invoices): one set of facts, rendered by
one template (`document.html`) as the page and as the PDF (fpdf2 draws the template's plain
HTML), so the page and the PDF never disagree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fpdf import FPDF

from licensor.config import Settings
from licensor.core.money import Money
from licensor.core.web.portal import templates


@dataclass
class Document:
    title: str  # Quote | Invoice | Credit note
    number: str
    date: datetime
    seller: dict[str, str]
    lines: list[dict[str, Any]]  # {description, amount: Money or its JSON}
    total: Money
    terms: str
    how_to_pay: str
    buyer: dict[str, Any] = field(default_factory=dict)
    product: str = ""
    status: str = ""
    valid_until: datetime | None = None
    due: datetime | None = None
    paid: Money | None = None
    credit_applied: Money | None = None
    # The tax breakdown when tax is collected: subtotal, the tax line ("VAT 19%", "Reverse
    # charge") and its amount, and the reverse-charge wording the invoice must carry.
    subtotal: Money | None = None
    tax_line: str | None = None
    tax_amount: Money | None = None
    tax_note: str | None = None


def seller(settings: Settings) -> dict[str, str]:
    return {"name": settings.vendor_name, "address": settings.vendor_address,
            "vat_id": settings.vendor_vat_id, "contact": settings.vendor_contact}


def document_html(doc: Document) -> str:
    return templates.get_template("document.html").render(doc=doc)


# Core PDF fonts speak Latin-1 only; a few symbols are spelled out rather than dropped.
_SPELLED = {"€": "EUR ", "—": "-", "–": "-", "’": "'", "“": '"', "”": '"', "…": "...",
            "•": "*"}


def _latin1(text: str) -> str:
    for char, spelled in _SPELLED.items():
        text = text.replace(char, spelled)
    return text.encode("latin-1", "replace").decode("latin-1")


def document_pdf(doc: Document) -> bytes:
    pdf = FPDF(format="A4")
    # Uncompressed: a few kilobytes more, and the text stays searchable by plain tools.
    pdf.set_compression(False)
    pdf.set_title(f"{doc.title} {doc.number}")
    pdf.set_author(doc.seller["name"])
    pdf.set_creation_date(doc.date)  # the same document renders to the same bytes
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    pdf.write_html(_latin1(document_html(doc)))
    return bytes(pdf.output())
