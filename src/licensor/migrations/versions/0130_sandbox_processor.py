"""The sandbox processor's mode (normal, down, lost_answers), shared by every process

Revision ID: 0130_sandbox_processor
Revises: 0020_payment_attempts
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0130_sandbox_processor"
down_revision = "0020_payment_attempts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sandbox_processor",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("mode", sa.String(16), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sandbox_processor")
