"""Invitations to a site for people without an account yet

Revision ID: 0201_site_invitations
Revises: 0005_subscriptions
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import licensor.core.db

revision = "0201_site_invitations"
down_revision = "0005_subscriptions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site_invitations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("site_id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("email_key", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("invited_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", licensor.core.db.UTCDateTime(), nullable=False),
        sa.Column("accepted_at", licensor.core.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.ForeignKeyConstraint(["invited_by"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_site_invitations_site_id", "site_invitations", ["site_id"])
    op.create_index("ix_site_invitations_email_key", "site_invitations", ["email_key"])


def downgrade() -> None:
    op.drop_index("ix_site_invitations_email_key", table_name="site_invitations")
    op.drop_index("ix_site_invitations_site_id", table_name="site_invitations")
    op.drop_table("site_invitations")
