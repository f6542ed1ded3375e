"""The console dashboard's monthly aggregates: time-range indexes

Revision ID: 0101_dashboard_indexes
Revises: 0100_staff (needs 0003_orders and 0005_subscriptions)
"""
from __future__ import annotations

from alembic import op

revision = "0101_dashboard_indexes"
down_revision = "0100_staff"
branch_labels = None
depends_on = ("0003_orders", "0005_subscriptions")


def upgrade() -> None:
    op.create_index("ix_licenses_created_at", "licenses", ["created_at", "supersedes"])
    op.create_index("ix_orders_status_paid_at", "orders",
                    ["status", "paid_at", "kind", "currency", "total_amount"])
    op.create_index("ix_invoices_created_at", "subscription_invoices",
                    ["created_at", "currency", "amount_paid"])


def downgrade() -> None:
    op.drop_index("ix_invoices_created_at", "subscription_invoices")
    op.drop_index("ix_orders_status_paid_at", "orders")
    op.drop_index("ix_licenses_created_at", "licenses")
