"""marketplace: migration requests of direct server licenses to the marketplace

Revision ID: 0006_marketplace
Revises: 0001_foundation
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import licensor.core.db

revision = "0006_marketplace"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "migration_requests",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("license_id", sa.String(length=36), nullable=False),
        sa.Column("requested_license_id", sa.String(length=36), nullable=False),
        sa.Column("open_license_id", sa.String(length=36), nullable=True),
        sa.Column("product", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("hosting", sa.String(length=16), nullable=False),
        sa.Column("license_seats", sa.Integer(), nullable=True),
        sa.Column("server_user_tier", sa.Integer(), nullable=True),
        sa.Column("required_seats", sa.Integer(), nullable=True),
        sa.Column("marketplace_email", sa.String(length=320), nullable=False),
        sa.Column("holder_first_name", sa.String(length=200), nullable=False),
        sa.Column("holder_last_name", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("address", sa.JSON(), nullable=False),
        sa.Column("sen", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", licensor.core.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", licensor.core.db.UTCDateTime(), nullable=False),
        sa.Column("closed_at", licensor.core.db.UTCDateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["license_id"], ["licenses.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("open_license_id"),
    )
    with op.batch_alter_table("migration_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_migration_requests_license_id"), ["license_id"],
                              unique=False)
        batch_op.create_index("ix_migration_requests_status_created",
                              ["status", "created_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("migration_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_migration_requests_status_created")
        batch_op.drop_index(batch_op.f("ix_migration_requests_license_id"))
    op.drop_table("migration_requests")
