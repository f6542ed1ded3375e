"""The buyer's own order page: the hash of its secret link

Revision ID: 0090_order_links
Revises: 0003_orders
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0090_order_links"
down_revision = "0003_orders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("link_token_hash", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("link_token_hash")
