"""Older order links (the invoice mail's once the order is paid) keep working

Revision ID: 0210_order_old_links
Revises: 0003_orders
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0210_order_old_links"
down_revision = "0003_orders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_links",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_order_links_order_id", "order_links", ["order_id"])


def downgrade() -> None:
    op.drop_index("ix_order_links_order_id", table_name="order_links")
    op.drop_table("order_links")
