"""Quotes and invoices of orders as documents (core/documents renders page and PDF).

The invoice of an order carries the order's number: order numbers come from one counter row
locked until commit (`OrderRepository.next_number`), so a rolled-back order gives its number
back and the sequence has no gaps.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from licensor.catalog.service import get_product
from licensor.config import Settings
from licensor.core.documents import Document, document_html, document_pdf, seller, status_words
from licensor.core.errors import LicensorError
from licensor.core.formats import human_date, money
from licensor.core.money import Money
from licensor.orders.models import OrderRow, QuoteRow
from licensor.orders.quotes.service import get_quote
from licensor.orders.repository import OrderRepository
from licensor.orders.rules import invoice_allowed, invoice_minimum
from licensor.tax import service as tax


def quote_buyer(session: Session, quote: QuoteRow) -> dict[str, Any]:
    """Who the quote is for: the buyer of its order once one is placed, else the customer's
    country and VAT ID when the quote was made for them."""
    order = OrderRepository(session).by_quote(quote.id)
    if order is not None and order.buyer:
        return dict(order.buyer)
    stored = quote.tax or {}
    return {k: stored[k] for k in ("country", "vat_id") if stored.get(k)}


def quote_document(session: Session, settings: Settings, quote: QuoteRow) -> Document:
    total = Money(quote.total_amount, quote.currency)
    invoice_from = invoice_minimum(settings, quote.currency)
    how = (f"Order online at {settings.public_url.rstrip('/')}/checkout/{quote.id}: by card, "
           + (f"or by invoice (Net {settings.invoice_terms_days}; "
              f"{settings.vendor_payment_instructions})"
              if invoice_allowed(settings, total) else
              f"(invoices are for orders of {money(invoice_from)} or more)") + ".")
    return Document(
        title="Quote", number=quote.number, date=quote.created_at, seller=seller(settings),
        buyer=quote_buyer(session, quote), lines=quote.lines, total=total,
        product=get_product(session, quote.product).name,
        terms=f"Prices held until {human_date(quote.expires_at)} "
              f"({(quote.expires_at - quote.created_at).days} days).",
        how_to_pay=how, valid_until=quote.expires_at,
        **tax.document_fields(quote.tax, quote.currency))


def invoice_document(session: Session, settings: Settings, order: OrderRow,
                     quote: QuoteRow, *, receipt: bool = False) -> Document:
    """The order's invoice; `receipt`: the same facts titled Receipt, with what was paid."""
    by_invoice = order.payment_method == "invoice"
    if by_invoice:
        days = settings.invoice_terms_days
        terms = f"Net {days}: due within {days} days of the invoice date."
        how = settings.vendor_payment_instructions + f" Reference: {order.number}."
    else:
        terms = "Paid by card."
        how = "Nothing to pay: this order was paid by card." if order.paid_at else (
            "Pay by card on your order page.")
    return Document(
        title="Receipt" if receipt else "Invoice", number=order.number, date=order.created_at, seller=seller(settings),
        buyer=order.buyer or {}, lines=quote.lines,
        total=Money(order.total_amount, order.currency),
        product=get_product(session, order.product).name, terms=terms, how_to_pay=how,
        status=status_words(order.status), due=order.due_at if by_invoice else None,
        paid=Money(order.total_amount, order.currency) if receipt and order.paid_at else None,
        **tax.document_fields(order.tax, order.currency))


def receipt_document(session: Session, settings: Settings, order: OrderRow) -> Document:
    """The receipt of a paid order (refused for one not paid: there is nothing to receipt)."""
    if order.paid_at is None:
        raise LicensorError("RECEIPT_NOT_FOUND", f"Order {order.number} is not paid yet, so it has "
                            "no receipt; its invoice is on the order page.", status=404)
    return invoice_document(session, settings, order, get_quote(session, order.quote_id),
                            receipt=True)


def pdf_attachment(doc: Document) -> tuple[str, bytes]:
    """(file name, PDF) of a document, to attach to a mail: invoice-2027-0001.pdf."""
    name = f"{doc.title.lower().replace(' ', '-')}-{doc.number}.pdf"
    return name, document_pdf(doc)


def order_pdf(settings: Settings, session: Session, order: OrderRow, quote: QuoteRow
              ) -> tuple[str, bytes]:
    """The PDF a mail about the order carries: its receipt once paid, else its invoice."""
    doc = (receipt_document(session, settings, order) if order.paid_at else
           invoice_document(session, settings, order, quote))
    return pdf_attachment(doc)


__all__ = ["Document", "document_html", "document_pdf", "invoice_document", "order_pdf",
           "pdf_attachment", "quote_document", "receipt_document"]
