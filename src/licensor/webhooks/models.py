"""Outbound webhooks: the vendor's endpoints, the event log (the outbox), and deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from licensor.core.db import Base, UTCDateTime


class WebhookEndpointRow(Base):
    __tablename__ = "webhook_endpoints"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))
    events: Mapped[list[str]] = mapped_column(JSON)  # event types, or ["*"]
    description: Mapped[str | None] = mapped_column(String(500), nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # enabled | disabled
    disabled_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # "whsec_" + base64: kept as is because every delivery is signed with it (docs/webhooks.md).
    secret: Mapped[str] = mapped_column(String(200))
    # After a rotation the old secret signs beside the new one until previous_secret_until.
    previous_secret: Mapped[str | None] = mapped_column(String(200), nullable=True)
    previous_secret_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The first failed attempt since the last success; three days of that disables the endpoint.
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookEventRow(Base):
    """One event of the catalog, written in the transaction of the change it reports."""

    __tablename__ = "webhook_events"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (Index("ix_webhook_events_created", "created_at", "id"),
                      Index("ix_webhook_events_type_created", "type", "created_at", "id"))


class WebhookDeliveryRow(Base):
    """One attempt to deliver an event to an endpoint: `pending` until it is made, then
    `succeeded` or `failed` with the answer; a failed attempt with retries left is followed by
    the next attempt's pending row."""

    __tablename__ = "webhook_deliveries"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(40), ForeignKey("webhook_events.id",
                                                                 ondelete="CASCADE"), index=True)
    endpoint_id: Mapped[str] = mapped_column(String(40), ForeignKey("webhook_endpoints.id",
                                                                    ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(64))
    attempt: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # pending | succeeded | failed
    response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response_body: Mapped[str | None] = mapped_column(Text, nullable=True)  # first 2 KB
    error: Mapped[str | None] = mapped_column(Text, nullable=True)  # no answer: why
    duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # On the Licensor clock (the sandbox clock moves it).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A sender's lease (real time), as the mail outbox's.
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
                      Index("ix_webhook_deliveries_endpoint", "endpoint_id", "created_at", "id"))
