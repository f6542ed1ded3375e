"""One live Google Drive subscription per Google ID, enforced by the database

Revision ID: 0011_live_google_id
Revises: 0005_subscriptions
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_live_google_id"
down_revision = "0005_subscriptions"
branch_labels = None
depends_on = None

LIVE = sa.text("google_id IS NOT NULL AND status IN ('new', 'active', 'canceled')")


def upgrade() -> None:
    op.create_index("uq_subscriptions_live_google_id", "subscriptions", ["google_id"],
                    unique=True, sqlite_where=LIVE, postgresql_where=LIVE)


def downgrade() -> None:
    op.drop_index("uq_subscriptions_live_google_id", table_name="subscriptions")
