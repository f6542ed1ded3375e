"""Links mailed to customers that act once: password reset, new email confirmation

Revision ID: 0200_account_links
Revises: 0005_subscriptions
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import licensor.core.db

revision = "0200_account_links"
down_revision = "0005_subscriptions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_links",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("new_email", sa.String(length=320), nullable=True),
        sa.Column("created_at", licensor.core.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", licensor.core.db.UTCDateTime(), nullable=False),
        sa.Column("used_at", licensor.core.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_account_links_account_id", "account_links", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_account_links_account_id", table_name="account_links")
    op.drop_table("account_links")
