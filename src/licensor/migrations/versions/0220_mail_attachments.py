"""Mail outbox: a document attached to a mail (the invoice or receipt PDF)

Revision ID: 0220_mail_attachments
Revises: 0110_mail_html
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0220_mail_attachments"
down_revision = "0110_mail_html"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attachment_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("attachment", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_column("attachment")
        batch_op.drop_column("attachment_name")
