"""Mail outbox: a status, a retry schedule and claims, so exactly one sender sends each message

Revision ID: 0012_mail_claims
Revises: 0001_foundation
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import licensor.core.db

revision = "0012_mail_claims"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=16), nullable=False,
                                      server_default="queued"))
        batch_op.add_column(sa.Column("next_attempt_at", licensor.core.db.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", licensor.core.db.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column("failed_at", licensor.core.db.UTCDateTime(),
                                      nullable=True))
    op.execute("UPDATE mail_outbox SET status = 'sent' WHERE sent_at IS NOT NULL")
    # The old sender stopped after 10 attempts without telling anyone: show those as failed so
    # `licensor mail failed` lists them and `licensor mail retry` can send them.
    op.execute("UPDATE mail_outbox SET status = 'failed' WHERE sent_at IS NULL AND attempts >= 10")
    op.create_index("ix_mail_outbox_due", "mail_outbox", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_mail_outbox_due", table_name="mail_outbox")
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        for column in ("failed_at", "claimed_until", "claimed_by", "next_attempt_at", "status"):
            batch_op.drop_column(column)
