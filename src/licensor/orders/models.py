"""Quotes (estimates), orders and the counter that numbers orders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from licensor.core.db import Base, UTCDateTime


class QuoteRow(Base):
    __tablename__ = "quotes"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    product: Mapped[str] = mapped_column(String(64))
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{description, amount}]
    total_amount: Mapped[int] = mapped_column(BigInteger)  # minor units
    currency: Mapped[str] = mapped_column(String(3))
    license_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    # The license's `version` when quoted: payment refuses a quote the license has outlived.
    license_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    seats: Mapped[int | None] = mapped_column(Integer, nullable=True)
    maintenance_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The tax as worked out for the quote's customer (tax.service.assess); None before tax.
    tax: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def number(self) -> str:
        """What people call the quote (Q-20270304-1A2B3C4D): its day and the start of its id."""
        return f"Q-{self.created_at:%Y%m%d}-{self.id.removeprefix('quo_')[:8].upper()}"


class OrderRow(Base):
    __tablename__ = "orders"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    quote_id: Mapped[str] = mapped_column(String(40), ForeignKey("quotes.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    product: Mapped[str] = mapped_column(String(64))
    # awaiting_payment | paid | fulfilled | refunded | canceled
    status: Mapped[str] = mapped_column(String(20), index=True)
    total_amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    payment_method: Mapped[str] = mapped_column(String(16))  # card | invoice
    buyer: Mapped[dict[str, Any]] = mapped_column(JSON)
    buyer_email: Mapped[str] = mapped_column(String(320), index=True)
    license_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    license_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    charge_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    refund_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # SHA-256 of the secret in the buyer's link to their order page (the latest mail's link).
    link_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The tax for the buyer's country and VAT ID, with its evidence; `total_amount` includes it.
    tax: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class OrderLinkRow(Base):
    """An order link replaced by a newer one (e.g. the invoice mail's, once the order is paid):
    it keeps opening the order page and its documents until the order is refunded or a year
    after the order (`orders.service.order_by_link`)."""

    __tablename__ = "order_links"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(40), ForeignKey("orders.id"), index=True)


class OrderCounterRow(Base):
    """One row; locking it hands out order numbers one after another, also on PostgreSQL."""

    __tablename__ = "order_counter"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)

# The console's dashboard (staff) sums this table by month; its index is declared here, with
# the table, and created by migration 0101_dashboard_indexes.
# Covering: revenue per month and kind is summed from the index, never the rows.
Index("ix_orders_status_paid_at", OrderRow.status, OrderRow.paid_at, OrderRow.kind,
      OrderRow.currency, OrderRow.total_amount)
