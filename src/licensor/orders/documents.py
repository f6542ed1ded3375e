"""Quotes and invoices as documents: one set of facts, rendered by one template as the page
and as the PDF (fpdf2 draws the template's plain HTML), so the two never disagree.

The invoice of an order carries the order's number: order numbers come from one counter row
locked until commit (`OrderRepository.next_number`), so a rolled-back order gives its number
back and the sequence has no gaps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fpdf import FPDF
from sqlalchemy.orm import Session

from licensor.catalog.service import get_product
from licensor.config import Settings
from licensor.core.money import Money
from licensor.core.web.portal import money, templates
from licensor.orders.models import OrderRow, QuoteRow
from licensor.orders.service import INVOICE_TERMS, invoice_minimum


@dataclass
class Document:
    title: str  # Quote | Invoice
    number: str
    date: datetime
    seller: dict[str, str]
    lines: list[dict[str, Any]]
    total: Money
    terms: str
    how_to_pay: str
    buyer: dict[str, Any] = field(default_factory=dict)
    product: str = ""
    status: str = ""
    valid_until: datetime | None = None
    due: datetime | None = None


def seller(settings: Settings) -> dict[str, str]:
    return {"name": settings.vendor_name, "address": settings.vendor_address,
            "vat_id": settings.vendor_vat_id, "contact": settings.vendor_contact}


def quote_document(session: Session, settings: Settings, quote: QuoteRow) -> Document:
    total = Money(quote.total_amount, quote.currency)
    invoice_from = invoice_minimum(quote.currency)
    how = (f"Order online at {settings.public_url.rstrip('/')}/checkout/{quote.id}: by card, "
           + (f"or by invoice (Net 30; {settings.vendor_payment_instructions})"
              if total >= invoice_from else
              f"(invoices are for orders of {money(invoice_from)} or more)") + ".")
    return Document(
        title="Quote", number=quote.id, date=quote.created_at, seller=seller(settings),
        lines=quote.lines, total=total, product=get_product(session, quote.product).name,
        terms=f"Prices held until {quote.expires_at:%B} {quote.expires_at.day}, "
              f"{quote.expires_at.year} (60 days).",
        how_to_pay=how, valid_until=quote.expires_at)


def invoice_document(session: Session, settings: Settings, order: OrderRow,
                     quote: QuoteRow) -> Document:
    by_invoice = order.payment_method == "invoice"
    if by_invoice:
        terms = f"Net {INVOICE_TERMS.days}: due within {INVOICE_TERMS.days} days of the invoice date."
        how = settings.vendor_payment_instructions + f" Reference: {order.number}."
    else:
        terms = "Paid by card."
        how = "Nothing to pay: this order was paid by card." if order.paid_at else (
            "Pay by card on your order page.")
    return Document(
        title="Invoice", number=order.number, date=order.created_at, seller=seller(settings),
        buyer=order.buyer or {}, lines=quote.lines,
        total=Money(order.total_amount, order.currency),
        product=get_product(session, order.product).name, terms=terms, how_to_pay=how,
        status=order.status.replace("_", " "), due=order.due_at if by_invoice else None)


def document_html(doc: Document) -> str:
    return templates.get_template("orders/document.html").render(doc=doc)


# Core PDF fonts speak Latin-1 only; a few symbols are spelled out rather than dropped.
_SPELLED = {"€": "EUR ", "—": "-", "–": "-", "’": "'", "“": '"', "”": '"', "…": "..."}


def _latin1(text: str) -> str:
    for char, spelled in _SPELLED.items():
        text = text.replace(char, spelled)
    return text.encode("latin-1", "replace").decode("latin-1")


def document_pdf(doc: Document) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(f"{doc.title} {doc.number}")
    pdf.set_author(doc.seller["name"])
    pdf.set_creation_date(doc.date)  # the same document renders to the same bytes
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    pdf.write_html(_latin1(document_html(doc)))
    return bytes(pdf.output())
