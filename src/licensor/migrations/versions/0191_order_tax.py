"""Quotes and orders carry their tax (treatment, rate, amount, the buyer's VAT ID, evidence)

Revision ID: 0191_order_tax
Revises: 0003_orders
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0191_order_tax"
down_revision = "0003_orders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added in place (no table rebuild on SQLite); existing quotes and orders carry no tax.
    op.add_column("quotes", sa.Column("tax", sa.JSON(), nullable=True))
    op.add_column("orders", sa.Column("tax", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("tax")
    with op.batch_alter_table("quotes") as batch:
        batch.drop_column("tax")
