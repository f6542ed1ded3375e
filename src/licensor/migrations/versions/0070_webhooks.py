"""Outbound webhooks: endpoints, the event log (a transactional outbox), deliveries

Revision ID: 0070_webhooks
Revises: 0001_foundation
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import licensor.core.db

revision = "0070_webhooks"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

T = licensor.core.db.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("description", sa.String(500), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("disabled_reason", sa.String(200), nullable=True),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("previous_secret", sa.String(200), nullable=True),
        sa.Column("previous_secret_until", T(), nullable=True),
        sa.Column("failing_since", T(), nullable=True),
        sa.Column("created_at", T(), nullable=False),
        sa.Column("updated_at", T(), nullable=False),
    )
    op.create_table(
        "webhook_events",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("created_at", T(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_webhook_events_created", "webhook_events", ["created_at", "id"])
    op.create_index("ix_webhook_events_type_created", "webhook_events",
                    ["type", "created_at", "id"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("event_id", sa.String(40),
                  sa.ForeignKey("webhook_events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("endpoint_id", sa.String(40),
                  sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("next_attempt_at", T(), nullable=True),
        sa.Column("claimed_by", sa.String(100), nullable=True),
        sa.Column("claimed_until", T(), nullable=True),
        sa.Column("created_at", T(), nullable=False),
        sa.Column("attempted_at", T(), nullable=True),
    )
    op.create_index("ix_webhook_deliveries_event_id", "webhook_deliveries", ["event_id"])
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries",
                    ["status", "next_attempt_at"])
    op.create_index("ix_webhook_deliveries_endpoint", "webhook_deliveries",
                    ["endpoint_id", "created_at", "id"])


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_events")
    op.drop_table("webhook_endpoints")
