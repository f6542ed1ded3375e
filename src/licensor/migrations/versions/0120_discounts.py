"""Discounts: coupons, their redemptions, desktop licenses turned into credit

Revision ID: 0120_discounts
Revises: 0001_foundation
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from licensor.core.db import UTCDateTime

revision = "0120_discounts"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coupons",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("code_key", sa.String(40), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("percent_off", sa.Integer, nullable=True),
        sa.Column("amount_off", sa.BigInteger, nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("products", sa.JSON, nullable=False),
        sa.Column("kinds", sa.JSON, nullable=False),
        sa.Column("duration", sa.String(16), nullable=False),
        sa.Column("duration_in_months", sa.Integer, nullable=True),
        sa.Column("max_redemptions", sa.Integer, nullable=True),
        sa.Column("times_redeemed", sa.Integer, nullable=False),
        sa.Column("redeem_by", UTCDateTime, nullable=True),
        sa.Column("once_per_customer", sa.Boolean, nullable=False),
        sa.Column("minimum_amount", sa.BigInteger, nullable=True),
        sa.Column("minimum_currency", sa.String(3), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("source", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "coupon_redemptions",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("coupon_id", sa.String(40), nullable=False, index=True),
        sa.Column("subject_type", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(40), nullable=False),
        sa.Column("customer_key", sa.String(320), nullable=False),
        sa.Column("exclusive_key", sa.String(320), nullable=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("returned_at", UTCDateTime, nullable=True),
        sa.UniqueConstraint("coupon_id", "subject_type", "subject_id",
                            name="uq_redemption_subject"),
        sa.UniqueConstraint("coupon_id", "exclusive_key", name="uq_redemption_once_per_customer"),
    )
    op.create_table(
        "license_credits",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("lineage_root", sa.String(36), nullable=False, unique=True),
        sa.Column("license_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target_id", sa.String(40), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("license_credits")
    op.drop_table("coupon_redemptions")
    op.drop_table("coupons")
