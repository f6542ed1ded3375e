"""JSON shapes of quotes and orders as the API shows them (also webhooks' `data`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from sqlalchemy.orm import Session

from licensor.core.money import Money
from licensor.core.web.openapi import Answer, Timestamp, example
from licensor.core.web.openapi import Money as MoneyAnswer
from licensor.licenses.schemas import LICENSE_EXAMPLE, License
from licensor.orders import service as orders
from licensor.orders.coupons import service as coupons
from licensor.orders.enums import OrderStatus, QuoteKind
from licensor.orders.models import OrderRow, QuoteRow
from licensor.tax import documents as tax_documents
from licensor.tax import service as tax
from licensor.tax.schemas import CreditNote, Tax


def quote_view(row: QuoteRow) -> dict[str, Any]:
    """The Quote answer: the row, with its total as Money, its coupon and tax as shown."""
    total = Money(row.total_amount, row.currency)
    return Quote.view(row, total=total.to_json(), coupon=coupons.shown(row),
                      **tax.tax_view(row.tax, total))


def order_view(session: Session, row: OrderRow) -> dict[str, Any]:
    """The Order answer: the row, with its total as Money, tax as shown, its licenses and
    credit notes."""
    total = Money(row.total_amount, row.currency)
    return Order.view(
        row, total=total.to_json(), **tax.tax_view(row.tax, total),
        licenses=[License.view(lic) for lic in orders.order_licenses(session, row)],
        credit_notes=[tax_documents.credit_note_view(note)
                      for note in tax_documents.credit_notes_of(session, row.id)])


# -- answers ----------------------------------------------------------------------------------

class QuoteLine(Answer):
    description: str
    amount: MoneyAnswer  # negative on a coupon's discount line


class QuoteCoupon(Answer):
    code: str
    discount: MoneyAnswer  # what the coupon took off (its line shows it negative)


QUOTE_EXAMPLE = {
    "id": "quo_3kP9", "kind": "new", "product": "desktop",
    "lines": [{"description": "Balsamiq Desktop, 5 users",
               "amount": {"amount": 44500, "currency": "USD"}}],
    "total": {"amount": 44500, "currency": "USD"}, "currency": "USD",
    "expires_at": "2026-03-16T09:30:00Z", "created_at": "2026-01-15T09:30:00Z",
    "license_id": None, "seats": 5, "maintenance_until": "2027-01-15T09:30:00Z",
    "coupon": None}


class Quote(Answer):
    id: str
    kind: QuoteKind
    product: str
    lines: list[QuoteLine]
    total: MoneyAnswer
    currency: str
    expires_at: Timestamp | None
    created_at: Timestamp | None
    license_id: str | None
    seats: int | None
    maintenance_until: Timestamp | None
    coupon: QuoteCoupon | None = None
    subtotal: MoneyAnswer | None = None  # after discounts, before tax
    tax: Tax | None = None  # null: the buyer's country is not known yet

    model_config = example(QUOTE_EXAMPLE)


ORDER_EXAMPLE = {
    "id": "ord_7Hq2", "number": "LIC-000042", "status": "fulfilled", "kind": "new",
    "product": "desktop", "quote_id": "quo_3kP9", "total": {"amount": 44500, "currency": "USD"},
    "payment_method": "card", "due_at": None, "created_at": "2026-01-15T09:30:00Z",
    "paid_at": "2026-01-15T09:31:00Z", "fulfilled_at": "2026-01-15T09:31:00Z",
    "refunded_at": None, "canceled_at": None,
    "buyer": {"name": "Ana Diaz", "email": "ana@acme.example", "company": "Acme Inc",
              "address": None, "po_number": None},
    "charge_id": "ch_sandbox_1", "refund_id": None, "licenses": [LICENSE_EXAMPLE]}


class Order(Answer):
    id: str
    number: str
    status: OrderStatus
    kind: str
    product: str
    quote_id: str | None
    total: MoneyAnswer
    payment_method: Literal["card", "invoice"]
    due_at: Timestamp | None
    created_at: Timestamp | None
    paid_at: Timestamp | None
    fulfilled_at: Timestamp | None
    refunded_at: Timestamp | None
    canceled_at: Timestamp | None
    buyer: dict[str, Any]
    charge_id: str | None
    refund_id: str | None
    licenses: list[License]
    subtotal: MoneyAnswer | None = None  # after discounts, before tax
    tax: Tax | None = None
    credit_notes: list[CreditNote] = Field(default_factory=list)

    model_config = example(ORDER_EXAMPLE)


class OrderList(Answer):
    data: list[Order]
    next_cursor: str | None

    model_config = example({"data": [ORDER_EXAMPLE], "next_cursor": None})
