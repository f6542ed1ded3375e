"""Documents a buyer's accounts-payable files (quotes, invoices, receipts, credit notes): one set
of facts, rendered by one template (`document.html`) as the page and as the PDF (fpdf2 draws
the template's plain HTML), so the page and the PDF never disagree. Money and dates go through
core/formats like every page and mail; the seller is the vendor under its brand (its logo on
the PDF, LICENSOR_BRAND_*); addresses keep the lines they were written with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fpdf import FPDF
from fpdf.fonts import TextStyle

from licensor.config import Settings
from licensor.core.money import Money
from licensor.core.web.portal import templates


@dataclass
class Document:
    title: str  # Quote | Invoice | Receipt | Credit note
    number: str
    date: datetime
    seller: dict[str, str]
    lines: list[dict[str, Any]]  # {description, amount: Money or its JSON}
    total: Money
    terms: str
    how_to_pay: str
    buyer: dict[str, Any] = field(default_factory=dict)
    product: str = ""
    status: str = ""  # in the buyer's words: Paid, Awaiting payment, Refunded, Canceled
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
    logo = settings.brand_logo
    return {"name": settings.vendor_name, "address": settings.vendor_address,
            "vat_id": settings.vendor_vat_id, "contact": settings.vendor_contact,
            "brand": settings.brand, "accent": settings.brand_color,
            "logo": str(logo) if logo is not None and logo.is_file() else ""}


# What a buyer reads for an order's state (never the internal word, e.g. "fulfilled").
STATUS_WORDS = {"fulfilled": "Paid", "paid": "Paid", "awaiting_payment": "Awaiting payment",
                "refunded": "Refunded", "canceled": "Canceled", "cancelled": "Canceled",
                "expired": "Expired", "open": "Open"}


def status_words(status: str) -> str:
    return STATUS_WORDS.get(status, status.replace("_", " ").capitalize())


def lines_of(value: Any) -> list[str]:
    """An address as written: its lines kept (a mapping's values, one a line), blanks dropped."""
    if not value:
        return []
    if isinstance(value, dict):
        value = "\n".join(str(v) for v in value.values() if v)
    return [line.strip() for line in str(value).splitlines() if line.strip()]


def document_html(doc: Document, *, pdf: bool = False) -> str:
    """The document as HTML; `pdf` draws the logo from its file (the page links /brand/logo)."""
    return templates.get_template("document.html").render(doc=doc, pdf=pdf, lines_of=lines_of)


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
    # The title in the brand's accent colour, in the body's typeface.
    title = TextStyle(font_family="helvetica", font_style="B", font_size_pt=18,
                      color=doc.seller.get("accent") or "#1d2430", t_margin=4, b_margin=2)
    pdf.write_html(_latin1(document_html(doc, pdf=True)), tag_styles={"h1": title})
    return bytes(pdf.output())
