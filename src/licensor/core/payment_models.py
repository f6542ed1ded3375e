"""Payment attempts (what Licensor is paying for, committed before the processor is called)
and the sandbox processor's own ledger."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from licensor.core.db import Base, UTCDateTime


class PaymentAttemptRow(Base):
    """One try at taking money for one thing (an order, a subscription invoice).

    Committed before the processor is called, so a crash at any instant leaves a record that
    reconciliation can settle by asking the processor about `processor_key`.
    """

    __tablename__ = "payment_attempts"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32))  # order | subscription | refund
    subject_id: Mapped[str] = mapped_column(String(40), index=True)
    # While the attempt is open this names what it holds (one open attempt per license,
    # order or subscription); NULL once settled. Unique: a second payer waits its turn.
    lock_key: Mapped[str | None] = mapped_column(String(120), nullable=True, unique=True)
    # Derived from what is paid and the attempt's number, never random: the processor answers
    # a repeated call with the same key with the same charge.
    processor_key: Mapped[str] = mapped_column(String(200), unique=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    # pending (committed, processor maybe called) | succeeded | declined | refunded | abandoned
    # | requires_action (held by the bank for the customer's confirmation; charge_id names it)
    # | unreachable (the processor was not reached: nothing charged) | unconfirmed (its answer
    # was lost: in doubt, still holding lock_key, until reconciliation). purpose `refund`:
    # the same states for giving money back (request names the charge).
    status: Mapped[str] = mapped_column(String(16), index=True)
    request: Mapped[dict[str, Any]] = mapped_column(JSON)  # what fulfilment needs
    charge_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    refund_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    business_time: Mapped[datetime] = mapped_column(UTCDateTime)  # the `now` of the payment
    # Wall-clock bookkeeping: an attempt pending longer than the doubt threshold is settled by
    # whoever finds it (its process is taken for dead).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SandboxChargeRow(Base):
    """A charge as the sandbox card processor records it, in its own transactions."""

    __tablename__ = "sandbox_charges"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))  # succeeded | refunded
    payment_method: Mapped[str] = mapped_column(String(200))
    customer: Mapped[str | None] = mapped_column(String(100), nullable=True)
    description: Mapped[str] = mapped_column(String(300))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON)
    refund_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_sandbox_charges_created", "created_at", "id"),)


class SandboxProcessorRow(Base):
    """The sandbox processor's mode, in the database so that every worker process of an
    installation fails (or not) alike: normal | down | lost_answers. No row: normal."""

    __tablename__ = "sandbox_processor"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))


class ProcessorCustomerRow(Base):
    """An account's Customer at the processor, saved the moment it is created (before the card
    is set up, which can fail), so that every later try reuses it: one Customer per account."""

    __tablename__ = "processor_customers"
    account_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
