"""Licenses remember an academic sale: the flag and the institution it was sold to

Revision ID: 0124_academic_licenses
Revises: 0001_foundation
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0124_academic_licenses"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added in place (no table rebuild on SQLite); every existing license is commercial.
    op.add_column("licenses", sa.Column("academic", sa.Boolean(), nullable=False,
                                        server_default=sa.false()))
    op.add_column("licenses", sa.Column("institution", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("licenses") as batch:
        batch.drop_column("institution")
        batch.drop_column("academic")
