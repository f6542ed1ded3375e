"""Tables of the admin console's staff accounts and their sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from licensor.core.db import Base, UTCDateTime


class StaffRow(Base):
    __tablename__ = "staff"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320), unique=True)  # case-folded
    role: Mapped[str] = mapped_column(String(16))  # admin | support
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StaffSessionRow(Base):
    """A console session: the cookie holds a random token, only its SHA-256 is stored."""

    __tablename__ = "staff_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[str] = mapped_column(String(36), ForeignKey("staff.id", ondelete="CASCADE"),
                                          index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


# The dashboard's monthly aggregates read these tables by time range; their indexes are the
# dashboard's need, so they are declared here (on the other capabilities' tables) with their
# migration 0101_dashboard_indexes.
def _dashboard_indexes() -> None:
    from sqlalchemy import Index

    from licensor.licenses.models import LicenseRow
    from licensor.orders.models import OrderRow
    from licensor.subscriptions.models import InvoiceRow

    # supersedes too: "new licenses per month" is then read from the index alone
    Index("ix_licenses_created_at", LicenseRow.created_at, LicenseRow.supersedes)
    # Covering: revenue per month and kind is summed from the index, never the rows.
    Index("ix_orders_status_paid_at", OrderRow.status, OrderRow.paid_at, OrderRow.kind,
          OrderRow.currency, OrderRow.total_amount)
    Index("ix_invoices_created_at", InvoiceRow.created_at, InvoiceRow.currency,
          InvoiceRow.amount_paid)


_dashboard_indexes()
