"""Each account's Customer at the card processor, saved as soon as it exists

Revision ID: 0131_processor_customers
Revises: 0001_foundation
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from licensor.core.db import UTCDateTime

revision = "0131_processor_customers"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processor_customers",
        sa.Column("account_id", sa.String(40), primary_key=True),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("processor_customers")
