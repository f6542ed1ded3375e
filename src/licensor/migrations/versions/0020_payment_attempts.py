"""Payment attempts committed before the processor is called; the sandbox processor's ledger

Revision ID: 0020_payment_attempts
Revises: 0001_foundation
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from licensor.core.db import UTCDateTime

revision = "0020_payment_attempts"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_attempts",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("subject_id", sa.String(40), nullable=False, index=True),
        sa.Column("lock_key", sa.String(120), nullable=True, unique=True),
        sa.Column("processor_key", sa.String(200), nullable=False, unique=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("request", sa.JSON, nullable=False),
        sa.Column("charge_id", sa.String(255), nullable=True),
        sa.Column("refund_id", sa.String(255), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("business_time", UTCDateTime, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("settled_at", UTCDateTime, nullable=True),
    )
    op.create_table(
        "sandbox_charges",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("payment_method", sa.String(200), nullable=False),
        sa.Column("customer", sa.String(100), nullable=True),
        sa.Column("description", sa.String(300), nullable=False),
        sa.Column("metadata", sa.JSON, nullable=False),
        sa.Column("refund_id", sa.String(40), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("refunded_at", UTCDateTime, nullable=True),
        sa.Column("seq", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_sandbox_charges_created", "sandbox_charges", ["created_at", "id"])


def downgrade() -> None:
    op.drop_table("sandbox_charges")
    op.drop_table("payment_attempts")
