"""What subscriptions answers other capabilities about its tables (the console's dashboard
reads through these; it never queries them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from licensor.subscriptions.repository import SubscriptionReadRepository


def revenue_per_month(session: Session, since: datetime) -> list[tuple[str, str, int]]:
    """('YYYY-MM', currency, minor units paid) of the invoices since `since`."""
    return SubscriptionReadRepository(session).revenue_per_month(since)


def active_totals(session: Session) -> list[tuple[str, str, int, int]]:
    """(currency, interval, count, sum of what a whole period is paid) of active ones."""
    return SubscriptionReadRepository(session).active_totals()
