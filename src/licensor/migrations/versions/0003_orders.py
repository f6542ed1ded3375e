"""orders: quotes, orders, order counter

Revision ID: 0003_orders
Revises: 0001_foundation
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import licensor.core.db

revision = "0003_orders"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quotes",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("product", sa.String(length=64), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("total_amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("license_id", sa.String(length=36), nullable=True),
        sa.Column("license_version", sa.Integer(), nullable=True),
        sa.Column("seats", sa.Integer(), nullable=True),
        sa.Column("maintenance_until", licensor.core.db.UTCDateTime(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", licensor.core.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", licensor.core.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_quotes_license_id"), "quotes", ["license_id"], unique=False)
    op.create_table(
        "orders",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("quote_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("product", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("total_amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_method", sa.String(length=16), nullable=False),
        sa.Column("buyer", sa.JSON(), nullable=False),
        sa.Column("buyer_email", sa.String(length=320), nullable=False),
        sa.Column("license_name", sa.String(length=200), nullable=True),
        sa.Column("license_id", sa.String(length=36), nullable=True),
        sa.Column("charge_id", sa.String(length=255), nullable=True),
        sa.Column("refund_id", sa.String(length=255), nullable=True),
        sa.Column("due_at", licensor.core.db.UTCDateTime(), nullable=True),
        sa.Column("created_at", licensor.core.db.UTCDateTime(), nullable=False),
        sa.Column("paid_at", licensor.core.db.UTCDateTime(), nullable=True),
        sa.Column("fulfilled_at", licensor.core.db.UTCDateTime(), nullable=True),
        sa.Column("refunded_at", licensor.core.db.UTCDateTime(), nullable=True),
        sa.Column("canceled_at", licensor.core.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["quote_id"], ["quotes.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
        sa.UniqueConstraint("quote_id"),
    )
    op.create_index(op.f("ix_orders_buyer_email"), "orders", ["buyer_email"], unique=False)
    op.create_index(op.f("ix_orders_created_at"), "orders", ["created_at"], unique=False)
    op.create_index(op.f("ix_orders_license_id"), "orders", ["license_id"], unique=False)
    op.create_index(op.f("ix_orders_status"), "orders", ["status"], unique=False)
    op.create_table(
        "order_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("order_counter")
    op.drop_index(op.f("ix_orders_status"), table_name="orders")
    op.drop_index(op.f("ix_orders_license_id"), table_name="orders")
    op.drop_index(op.f("ix_orders_created_at"), table_name="orders")
    op.drop_index(op.f("ix_orders_buyer_email"), table_name="orders")
    op.drop_table("orders")
    op.drop_index(op.f("ix_quotes_license_id"), table_name="quotes")
    op.drop_table("quotes")
