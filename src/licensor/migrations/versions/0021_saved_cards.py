"""Subscriptions keep a saved card at the processor (customer + payment method), never a token

Revision ID: 0021_saved_cards
Revises: 0011_live_google_id
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_saved_cards"
down_revision = "0011_live_google_id"
branch_labels = None
depends_on = None


LIVE = sa.text("google_id IS NOT NULL AND status IN ('new', 'active', 'canceled')")


def upgrade() -> None:
    # SQLite rebuilds the table; the partial index is recreated by hand so its WHERE survives.
    op.drop_index("uq_subscriptions_live_google_id", table_name="subscriptions")
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("customer_id", sa.String(100), nullable=True))
        batch.add_column(sa.Column("payment_method_id", sa.String(200), nullable=True))
    # A single-use card token cannot be charged again; in the sandbox the same test card
    # lives on as its saved PaymentMethod (tok_visa -> pm_card_visa).
    op.execute("UPDATE subscriptions SET payment_method_id = 'pm_card_' || substr(card_token, 5) "
               "WHERE card_token LIKE 'tok\\_%' ESCAPE '\\'")
    op.execute("UPDATE subscriptions SET payment_method_id = card_token "
               "WHERE card_token LIKE 'pm\\_%' ESCAPE '\\'")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("card_token")
    op.create_index("uq_subscriptions_live_google_id", "subscriptions", ["google_id"],
                    unique=True, sqlite_where=LIVE, postgresql_where=LIVE)


def downgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("card_token", sa.String(200), nullable=True))
        batch.drop_column("payment_method_id")
        batch.drop_column("customer_id")
