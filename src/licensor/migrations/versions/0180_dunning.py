"""Dunning: a subscription past due since its renewal date, its next payment attempt and the
count of failed ones; a past-due Google Drive subscription still holds its Google ID

Revision ID: 0180_dunning
Revises: 0123_subscription_coupons
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from licensor.core.db import UTCDateTime

revision = "0180_dunning"
down_revision = "0123_subscription_coupons"
branch_labels = None
depends_on = None

LIVE_BEFORE = sa.text("google_id IS NOT NULL AND status IN ('new', 'active', 'canceled')")
LIVE = sa.text("google_id IS NOT NULL AND status IN ('new', 'active', 'canceled', 'past_due')")
INDEX = "uq_subscriptions_live_google_id"


def upgrade() -> None:
    # Nullable columns or one with a server default: added in place on SQLite too.
    op.add_column("subscriptions", sa.Column("past_due_since", UTCDateTime, nullable=True))
    op.add_column("subscriptions", sa.Column("next_payment_attempt_at", UTCDateTime,
                                             nullable=True))
    op.add_column("subscriptions", sa.Column("failed_payment_attempts", sa.Integer(),
                                             nullable=False, server_default=sa.text("0")))
    op.create_index("ix_subscriptions_next_payment_attempt_at", "subscriptions",
                    ["next_payment_attempt_at"])
    op.drop_index(INDEX, table_name="subscriptions")
    op.create_index(INDEX, "subscriptions", ["google_id"], unique=True, sqlite_where=LIVE,
                    postgresql_where=LIVE)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="subscriptions")
    op.drop_index("ix_subscriptions_next_payment_attempt_at", table_name="subscriptions")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("failed_payment_attempts")
        batch.drop_column("next_payment_attempt_at")
        batch.drop_column("past_due_since")
    op.create_index(INDEX, "subscriptions", ["google_id"], unique=True,
                    sqlite_where=LIVE_BEFORE, postgresql_where=LIVE_BEFORE)
