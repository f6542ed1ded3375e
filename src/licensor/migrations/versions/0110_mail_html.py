"""Mail outbox: the HTML part of a templated mail (sent as multipart/alternative with the text)

Revision ID: 0110_mail_html
Revises: 0012_mail_claims
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0110_mail_html"
down_revision = "0012_mail_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("html", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_column("html")
