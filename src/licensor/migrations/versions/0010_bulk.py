"""bulk: resumable CSV imports and bulk issues of licenses

Revision ID: 0010_bulk
Revises: 0001_foundation
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import licensor.core.db

revision = "0010_bulk"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("done_rows", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", licensor.core.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", licensor.core.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "channel", "source_sha256", name="uq_import_jobs_source"),
    )
    op.create_table(
        "import_job_rows",
        sa.Column("job_id", sa.String(length=40), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("license_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["import_jobs.id"]),
        sa.ForeignKeyConstraint(["license_id"], ["licenses.id"]),
        sa.PrimaryKeyConstraint("job_id", "row_number"),
        sa.UniqueConstraint("license_id"),
    )


def downgrade() -> None:
    op.drop_table("import_job_rows")
    op.drop_table("import_jobs")
