"""The signed revocation list, stored so that every worker serves the same document

Revision ID: 0080_revocation_lists
Revises: 0001_foundation
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import licensor.core.db

revision = "0080_revocation_lists"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "revocation_lists",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.Column("signed_changes", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(8), nullable=True),
        sa.Column("issued_at", licensor.core.db.UTCDateTime(), nullable=True),
        sa.Column("document", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("revocation_lists")
