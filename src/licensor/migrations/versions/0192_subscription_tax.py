"""Subscriptions keep their billing details; their invoices keep their tax

Revision ID: 0192_subscription_tax
Revises: 0123_subscription_coupons
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0192_subscription_tax"
down_revision = "0123_subscription_coupons"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added in place (no table rebuild on SQLite); existing subscriptions stay untaxed.
    op.add_column("subscriptions", sa.Column("billing_details", sa.JSON(), nullable=True))
    op.add_column("subscription_invoices", sa.Column("tax", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscription_invoices") as batch:
        batch.drop_column("tax")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("billing_details")
