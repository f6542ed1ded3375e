"""Idempotency keys: a lease that frees the key of a process that died

Revision ID: 0022_idempotency_lease
Revises: 0001_foundation
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import licensor.core.db

revision = "0022_idempotency_lease"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Earlier records kept answers (tokens among them) in plain text: they are dropped.
    op.execute("DELETE FROM idempotency_keys")
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.add_column(sa.Column("locked_until", licensor.core.db.UTCDateTime(),
                                   nullable=True))
        batch.create_index("ix_idempotency_keys_created_at", ["created_at"])


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_index("ix_idempotency_keys_created_at")
        batch.drop_column("locked_until")
