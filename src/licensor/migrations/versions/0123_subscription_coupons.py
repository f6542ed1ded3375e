"""Subscriptions keep their coupon: which one, when it was applied, until when it discounts

Revision ID: 0123_subscription_coupons
Revises: 0021_saved_cards
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from licensor.core.db import UTCDateTime

revision = "0123_subscription_coupons"
down_revision = "0021_saved_cards"
branch_labels = None
depends_on = None

LIVE = sa.text("google_id IS NOT NULL AND status IN ('new', 'active', 'canceled')")


def upgrade() -> None:
    # Nullable columns only: added in place on SQLite too (no table rebuild, so the partial
    # index on google_id stays as it is).
    op.add_column("subscriptions", sa.Column("coupon_id", sa.String(40), nullable=True))
    op.add_column("subscriptions", sa.Column("coupon_applied_at", UTCDateTime, nullable=True))
    op.add_column("subscriptions", sa.Column("coupon_ends_at", UTCDateTime, nullable=True))


def downgrade() -> None:
    op.drop_index("uq_subscriptions_live_google_id", table_name="subscriptions")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("coupon_ends_at")
        batch.drop_column("coupon_applied_at")
        batch.drop_column("coupon_id")
    op.create_index("uq_subscriptions_live_google_id", "subscriptions", ["google_id"],
                    unique=True, sqlite_where=LIVE, postgresql_where=LIVE)
