"""Requests to move a direct server license to the marketplace (Atlassian)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from licensor.core.db import Base, UTCDateTime


class MigrationRequestRow(Base):
    __tablename__ = "migration_requests"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    # The license the request is about now: an upgrade paid while it waits moves it along.
    license_id: Mapped[str] = mapped_column(String(36), ForeignKey("licenses.id"), index=True)
    requested_license_id: Mapped[str] = mapped_column(String(36))
    # Set to license_id while the request is open, NULL once closed: the unique index makes
    # "one open request per license" hold even between concurrent writers.
    open_license_id: Mapped[str | None] = mapped_column(String(36), nullable=True, unique=True)
    product: Mapped[str] = mapped_column(String(64))
    # awaiting_upgrade | pending | completed | rejected
    status: Mapped[str] = mapped_column(String(20))
    hosting: Mapped[str] = mapped_column(String(16))
    license_seats: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None = unlimited
    server_user_tier: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Seats the license must have to be migrated: the server's user tier (None = unlimited).
    required_seats: Mapped[int | None] = mapped_column(Integer, nullable=True)
    marketplace_email: Mapped[str] = mapped_column(String(320))
    holder_first_name: Mapped[str] = mapped_column(String(200))
    holder_last_name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))
    address: Mapped[dict[str, Any]] = mapped_column(JSON)
    sen: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # why it was rejected
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)

    __table_args__ = (Index("ix_migration_requests_status_created", "status", "created_at", "id"),)
