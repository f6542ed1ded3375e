"""What orders answers other capabilities about its tables (the console's search, a license's
dossier and the dashboard read through these; they never query orders' tables)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from licensor.orders.models import OrderRow
from licensor.orders.repository import OrderReadRepository


def license_ids_of_order(session: Session, text: str) -> list[str]:
    """The license an order number (or order id) made or changed."""
    return OrderReadRepository(session).license_ids_of_order(text)


def orders_of_licenses(session: Session, license_ids: list[str]) -> list[OrderRow]:
    """The orders that made or changed these licenses, oldest first."""
    return OrderReadRepository(session).of_licenses(license_ids)


def revenue_per_month(session: Session, since: datetime) -> list[tuple[str, str, str, int, int]]:
    """('YYYY-MM', kind, currency, total minor units, count) of orders paid, not refunded."""
    return OrderReadRepository(session).revenue_per_month(since)


def open_invoices(session: Session, now: datetime) -> list[tuple[str, int, int, int]]:
    """(currency, count, total, overdue count) of invoice orders awaiting payment."""
    return OrderReadRepository(session).open_invoices(now)
