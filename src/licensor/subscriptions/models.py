"""Customer accounts, myBalsamiq sites with members and projects, subscriptions and invoices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from licensor.core.db import Base, UTCDateTime


class SiteRow(Base):
    __tablename__ = "sites"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    product: Mapped[str] = mapped_column(String(64))
    owner_id: Mapped[str] = mapped_column(String(36), ForeignKey("accounts.id"), index=True)
    billing_admin_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("accounts.id"),
                                                         nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SiteMemberRow(Base):
    __tablename__ = "site_members"
    site_id: Mapped[str] = mapped_column(String(36), ForeignKey("sites.id"), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(36), ForeignKey("accounts.id"),
                                            primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16))  # staff | member
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProjectRow(Base):
    __tablename__ = "projects"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(36), ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))  # active | archived
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


LIVE_GOOGLE_ID = text("google_id IS NOT NULL AND status IN ('new', 'active', 'canceled', "
                      "'past_due')")


class SubscriptionRow(Base):
    __tablename__ = "subscriptions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    product: Mapped[str] = mapped_column(String(64))
    owner_id: Mapped[str] = mapped_column(String(36), ForeignKey("accounts.id"), index=True)
    site_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("sites.id"),
                                                nullable=True, unique=True)
    google_id: Mapped[str | None] = mapped_column(String(320), nullable=True, index=True)
    plan: Mapped[str | None] = mapped_column(String(64), nullable=True)  # None in trial
    interval: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # trialing | active | past_due | canceled | suspended | deleted | view_only
    status: Mapped[str] = mapped_column(String(16), index=True)
    # Periods are anchor + n intervals (see domain.periods); start/end are kept for queries.
    anchor: Mapped[datetime] = mapped_column(UTCDateTime)
    period_index: Mapped[int] = mapped_column(Integer, default=0)
    current_period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    current_period_end: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    cancel_at_period_end: Mapped[bool] = mapped_column(default=False)
    currency: Mapped[str] = mapped_column(String(3))
    # What a whole current period is paid at: the credit basis of a plan change.
    basis_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    credit_balance: Mapped[int] = mapped_column(BigInteger, default=0)
    # The card saved at the payment processor for renewals (never a single-use card token).
    customer_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    payment_method_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Its coupon (one at a time; see subscriptions.coupons): it discounts the invoice it was
    # applied with and later ones dated before coupon_ends_at (None: forever).
    coupon_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    coupon_applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    coupon_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Dunning (see subscriptions.dunning): a declined renewal leaves the subscription past_due
    # from its renewal date; the card is tried again at next_payment_attempt_at.
    past_due_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    next_payment_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True,
                                                                     index=True)
    failed_payment_attempts: Mapped[int] = mapped_column(Integer, default=0,
                                                         server_default=text("0"))
    # Who is invoiced and how taxed (licensor.tax.billing_details); None: untaxed invoices.
    billing_details: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    # One live Google Drive subscription per Google ID, also against two requests at once.
    __table_args__ = (Index("uq_subscriptions_live_google_id", "google_id", unique=True,
                            sqlite_where=LIVE_GOOGLE_ID, postgresql_where=LIVE_GOOGLE_ID),)


class InvoiceRow(Base):
    __tablename__ = "subscription_invoices"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(String(36), ForeignKey("subscriptions.id"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within its subscription
    reason: Mapped[str] = mapped_column(String(32))  # subscription_create|plan_change|renewal
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    currency: Mapped[str] = mapped_column(String(3))
    net: Mapped[int] = mapped_column(BigInteger)
    credit_applied: Mapped[int] = mapped_column(BigInteger)
    amount_paid: Mapped[int] = mapped_column(BigInteger)
    charge_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Its tax (licensor.tax); amount_paid includes it. None: untaxed.
    tax: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    __table_args__ = (UniqueConstraint("subscription_id", "number",
                                       name="uq_subscription_invoice_number"),)


class SiteInvitationRow(Base):
    """Someone without an account asked to join a site: they join as `role` when an account
    with this email is made (accepted_at), unless the owner removes the invitation first."""

    __tablename__ = "site_invitations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(36), ForeignKey("sites.id"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320), index=True)  # case-folded
    role: Mapped[str] = mapped_column(String(16))  # staff | member
    invited_by: Mapped[str] = mapped_column(String(36), ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

# The console's dashboard (staff) sums this table by month; its index is declared here, with
# the table, and created by migration 0101_dashboard_indexes.
Index("ix_invoices_created_at", InvoiceRow.created_at, InvoiceRow.currency, InvoiceRow.amount_paid)
