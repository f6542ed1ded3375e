"""Account sessions that expire (sliding) and can be ended

Revision ID: 0031_account_sessions
Revises: 0005_subscriptions
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import licensor.core.db

revision = "0031_account_sessions"
down_revision = "0005_subscriptions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("account_tokens") as batch_op:
        batch_op.add_column(sa.Column("last_used_at", licensor.core.db.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column("revoked_at", licensor.core.db.UTCDateTime(),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("account_tokens") as batch_op:
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("last_used_at")
