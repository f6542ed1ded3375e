"""JSON shapes of quotes and orders as the API shows them (also webhooks' `data`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from licensor.core.money import Money
from licensor.core.web.views import iso
from licensor.licenses.schemas import license_view
from licensor.orders import service as orders
from licensor.orders.models import OrderRow, QuoteRow


def quote_view(row: QuoteRow) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "product": row.product, "lines": row.lines,
            "total": Money(row.total_amount, row.currency).to_json(), "currency": row.currency,
            "expires_at": iso(row.expires_at), "created_at": iso(row.created_at),
            "license_id": row.license_id, "seats": row.seats,
            "maintenance_until": iso(row.maintenance_until)}


def order_view(session: Session, row: OrderRow) -> dict[str, Any]:
    return {"id": row.id, "number": row.number, "status": row.status, "kind": row.kind,
            "product": row.product, "quote_id": row.quote_id,
            "total": Money(row.total_amount, row.currency).to_json(),
            "payment_method": row.payment_method, "due_at": iso(row.due_at),
            "created_at": iso(row.created_at), "paid_at": iso(row.paid_at),
            "fulfilled_at": iso(row.fulfilled_at), "refunded_at": iso(row.refunded_at),
            "canceled_at": iso(row.canceled_at), "buyer": row.buyer,
            "charge_id": row.charge_id, "refund_id": row.refund_id,
            "licenses": [license_view(lic) for lic in orders.order_licenses(session, row)]}
