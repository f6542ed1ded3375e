"""Tables of maintenance and updates: product releases, and the reminders already mailed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from licensor.core.db import Base, UTCDateTime


class ReleaseRow(Base):
    """One released version of a product (what an update check compares against)."""

    __tablename__ = "releases"
    product: Mapped[str] = mapped_column(String(64), ForeignKey("products.code"),
                                         primary_key=True)
    version: Mapped[str] = mapped_column(String(64), primary_key=True)  # canonical text
    major: Mapped[int] = mapped_column(Integer)
    released_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(8), default="stable",
                                         server_default="stable")  # "stable" | "beta"
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MaintenanceReminderRow(Base):
    """A reminder mailed for one maintenance end of one license: at most one per kind and end,
    so a reminder goes out exactly once however the clock moves, and a renewal (a new end)
    makes new ones due."""

    __tablename__ = "maintenance_reminders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    license_id: Mapped[str] = mapped_column(String(36), ForeignKey("licenses.id"))
    kind: Mapped[str] = mapped_column(String(16))  # "30_days" | "ended"
    maintenance_until: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("license_id", "kind", "maintenance_until",
                         name="uq_maintenance_reminder"),
        Index("ix_maintenance_reminders_license", "license_id"),
    )
