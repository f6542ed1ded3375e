"""Shared secrets: signing keys' private halves and the installation's secrets, sealed in the database

Revision ID: 0140_shared_secrets
Revises: 0001_foundation
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0140_shared_secrets"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("private_key", sa.Text(), nullable=True))
    op.create_table(
        "installation_secrets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("installation_secrets")
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.drop_column("private_key")
