"""maintenance: releases and maintenance reminders

Revision ID: 0004_maintenance
Revises: 0001_foundation
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import licensor.core.db

revision = "0004_maintenance"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "releases",
        sa.Column("product", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("major", sa.Integer(), nullable=False),
        sa.Column("released_at", licensor.core.db.UTCDateTime(), nullable=False),
        sa.Column("created_at", licensor.core.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", licensor.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["product"], ["products.code"]),
        sa.PrimaryKeyConstraint("product", "version"),
    )
    op.create_table(
        "maintenance_reminders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("license_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("maintenance_until", licensor.core.db.UTCDateTime(), nullable=False),
        sa.Column("due_at", licensor.core.db.UTCDateTime(), nullable=False),
        sa.Column("sent_at", licensor.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["license_id"], ["licenses.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("license_id", "kind", "maintenance_until",
                            name="uq_maintenance_reminder"),
    )
    op.create_index("ix_maintenance_reminders_license", "maintenance_reminders", ["license_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_maintenance_reminders_license", table_name="maintenance_reminders")
    op.drop_table("maintenance_reminders")
    op.drop_table("releases")
