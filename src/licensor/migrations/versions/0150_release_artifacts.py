"""releases: channel and notes; artifacts per platform with their download counts

Revision ID: 0150_release_artifacts
Revises: 0004_maintenance
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import licensor.core.db

revision = "0150_release_artifacts"
down_revision = "0004_maintenance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("releases") as batch:
        batch.add_column(sa.Column("channel", sa.String(length=8), nullable=False,
                                   server_default="stable"))
        batch.add_column(sa.Column("notes", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "release_artifacts",
        sa.Column("product", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("kid", sa.String(length=16), nullable=False),
        sa.Column("storage_key", sa.String(length=512), nullable=False),
        sa.Column("downloads", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("uploaded_at", licensor.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["product", "version"],
                                ["releases.product", "releases.version"]),
        sa.PrimaryKeyConstraint("product", "version", "platform"),
    )


def downgrade() -> None:
    op.drop_table("release_artifacts")
    with op.batch_alter_table("releases") as batch:
        batch.drop_column("notes")
        batch.drop_column("channel")
