"""Abuse defences: failed sign-ins, lost-key mails, admin tokens that expire or are revoked

Revision ID: 0030_security
Revises: 0001_foundation
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import licensor.core.db

revision = "0030_security"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email_key", sa.String(length=320), nullable=False),
        sa.Column("at", licensor.core.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_login_failures_email_at", "login_failures", ["email_key", "at"])
    op.create_table(
        "lost_key_mails",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email_key", sa.String(length=320), nullable=False),
        sa.Column("sent_at", licensor.core.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_lost_key_mails_email_sent", "lost_key_mails", ["email_key", "sent_at"])
    with op.batch_alter_table("admin_tokens") as batch_op:
        batch_op.add_column(sa.Column("expires_at", licensor.core.db.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column("revoked_at", licensor.core.db.UTCDateTime(),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("admin_tokens") as batch_op:
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("expires_at")
    op.drop_index("ix_lost_key_mails_email_sent", table_name="lost_key_mails")
    op.drop_table("lost_key_mails")
    op.drop_index("ix_login_failures_email_at", table_name="login_failures")
    op.drop_table("login_failures")
