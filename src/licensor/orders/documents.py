"""Quotes and invoices of orders as documents (core/documents renders page and PDF).

The invoice of an order carries the order's number: order numbers come from one counter row
locked until commit (`OrderRepository.next_number`), so a rolled-back order gives its number
back and the sequence has no gaps.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from licensor.catalog.service import get_product
from licensor.config import Settings
from licensor.core.documents import Document, document_html, document_pdf, seller
from licensor.core.money import Money
from licensor.core.web.portal import money
from licensor.orders.models import OrderRow, QuoteRow
from licensor.orders.rules import invoice_allowed, invoice_minimum
from licensor.tax import service as tax


def quote_document(session: Session, settings: Settings, quote: QuoteRow) -> Document:
    total = Money(quote.total_amount, quote.currency)
    invoice_from = invoice_minimum(settings, quote.currency)
    how = (f"Order online at {settings.public_url.rstrip('/')}/checkout/{quote.id}: by card, "
           + (f"or by invoice (Net {settings.invoice_terms_days}; "
              f"{settings.vendor_payment_instructions})"
              if invoice_allowed(settings, total) else
              f"(invoices are for orders of {money(invoice_from)} or more)") + ".")
    return Document(
        title="Quote", number=quote.id, date=quote.created_at, seller=seller(settings),
        lines=quote.lines, total=total, product=get_product(session, quote.product).name,
        terms=f"Prices held until {quote.expires_at:%B} {quote.expires_at.day}, "
              f"{quote.expires_at.year} ({(quote.expires_at - quote.created_at).days} days).",
        how_to_pay=how, valid_until=quote.expires_at,
        **tax.document_fields(quote.tax, quote.currency))


def invoice_document(session: Session, settings: Settings, order: OrderRow,
                     quote: QuoteRow) -> Document:
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
        title="Invoice", number=order.number, date=order.created_at, seller=seller(settings),
        buyer=order.buyer or {}, lines=quote.lines,
        total=Money(order.total_amount, order.currency),
        product=get_product(session, order.product).name, terms=terms, how_to_pay=how,
        status=order.status.replace("_", " "), due=order.due_at if by_invoice else None,
        **tax.document_fields(order.tax, order.currency))


__all__ = ["Document", "document_html", "document_pdf", "invoice_document", "quote_document"]
