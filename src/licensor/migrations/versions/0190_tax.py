"""Tax: the vendor's rate changes, the taxed documents (invoices, credit notes), the
credit-note counter

Revision ID: 0190_tax
Revises: 0001_foundation
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from licensor.core.db import UTCDateTime

revision = "0190_tax"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tax_rates",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("country", sa.String(2), nullable=False, index=True),
        sa.Column("rate", sa.String(8), nullable=False),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
    )
    op.create_table(
        "tax_documents",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("number", sa.String(40), nullable=False, index=True),
        sa.Column("order_id", sa.String(40), nullable=True, index=True),
        sa.Column("subscription_id", sa.String(40), nullable=True, index=True),
        sa.Column("treatment", sa.String(16), nullable=False),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("rate", sa.String(8), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("net", sa.BigInteger, nullable=False),
        sa.Column("tax", sa.BigInteger, nullable=False),
        sa.Column("vat_id", sa.String(40), nullable=True),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("issued_at", UTCDateTime, nullable=False, index=True),
    )
    op.create_table(
        "credit_note_counter",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("credit_note_counter")
    op.drop_table("tax_documents")
    op.drop_table("tax_rates")
