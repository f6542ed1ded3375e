"""Tables of licenses: licenses, registrations, lost-key mails."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from licensor.core.db import Base, UTCDateTime
from licensor.licenses.enums import LicenseStatus


class LicenseRow(Base):
    __tablename__ = "licenses"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    product: Mapped[str] = mapped_column(String(64), ForeignKey("products.code"))
    seats: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None = unlimited
    license_name: Mapped[str] = mapped_column(String(200))
    license_key: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(String(320), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="direct")
    sen: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(16), default=LicenseStatus.ACTIVE)
    superseded_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    supersedes: Mapped[str | None] = mapped_column(String(36), nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    maintenance_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    major_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kid: Mapped[str] = mapped_column(String(8))
    purchased_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Bumped on every change; quotes remember it so a stale quote is never fulfilled.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Sold at academic prices to `institution`; its upgrades and renewals stay academic.
    academic: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    institution: Mapped[str | None] = mapped_column(String(200), nullable=True)

    registrations: Mapped[list[RegistrationRow]] = relationship(
        back_populates="license", order_by="RegistrationRow.created_at")

    __table_args__ = (Index("ix_licenses_product_email", "product", "email"),)


class RegistrationRow(Base):
    __tablename__ = "registrations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    license_id: Mapped[str] = mapped_column(String(36), ForeignKey("licenses.id"), index=True)
    user: Mapped[str] = mapped_column("user_name", String(320))
    user_key: Mapped[str] = mapped_column(String(320))  # case-folded, for "same user"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    license: Mapped[LicenseRow] = relationship(back_populates="registrations")

    __table_args__ = (UniqueConstraint("license_id", "user_key", name="uq_registration_user"),)


class LostKeyMailRow(Base):
    """A lost-key mail sent to an address: at most a few an hour reach one address."""

    __tablename__ = "lost_key_mails"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email_key: Mapped[str] = mapped_column(String(320))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_lost_key_mails_email_sent", "email_key", "sent_at"),)


class RevocationListRow(Base):
    """The signed revocation list as served (one row, id 1), stored so every worker and host
    serves the same document. `changes` grows whenever a license's status changes in a way the
    list shows; the document is re-signed (and `sequence` grows) when `signed_changes` lags."""

    __tablename__ = "revocation_lists"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    changes: Mapped[int] = mapped_column(Integer, default=0)
    signed_changes: Mapped[int] = mapped_column(Integer, default=-1)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    kid: Mapped[str | None] = mapped_column(String(8), nullable=True)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    document: Mapped[str | None] = mapped_column(Text, nullable=True)

# The console's dashboard (staff) sums this table by month; its index is declared here, with
# the table, and created by migration 0101_dashboard_indexes.
# supersedes too: "new licenses per month" is then read from the index alone
Index("ix_licenses_created_at", LicenseRow.created_at, LicenseRow.supersedes)
