"""Tables. Each later capability adds its own models module next to this one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from licensor.core.db import Base, UTCDateTime


class SigningKeyRow(Base):
    __tablename__ = "signing_keys"
    kid: Mapped[str] = mapped_column(String(8), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64))  # base64 of 32 bytes
    # active: signs new keys; verifying: old, still validates; retired: no longer validates.
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The private half sealed with the key-encryption key (core/secrets.py); None for a key
    # made before keys lived in the database and not yet imported from LICENSOR_HOME/keys.
    private_key: Mapped[str | None] = mapped_column(Text, nullable=True)


class InstallationSecretRow(Base):
    """A secret every host of the installation shares (the portal's signing secret), sealed."""

    __tablename__ = "installation_secrets"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AdminTokenRow(Base):
    __tablename__ = "admin_tokens"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Optional end of life, and the moment an operator revoked it (`licensor tokens revoke`);
    # the row stays so a refused token can be told apart from an unknown one.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class IdempotencyKeyRow(Base):
    """A client's Idempotency-Key and the answer it was given, sealed with that key."""

    __tablename__ = "idempotency_keys"
    scope: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256(method path auth)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)  # sha256 of the client's key
    request_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the canonical request
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None = running
    # base64 of the answer encrypted with a key derived from the client's Idempotency-Key,
    # which is not stored: the database alone cannot read the tokens an answer may hold.
    response_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    content_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # A running request renews this; past it, the holder is taken for dead and the key freed.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class MailRow(Base):
    __tablename__ = "mail_outbox"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    to: Mapped[str] = mapped_column("to_addr", String(320), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)  # the text part
    # The HTML alternative of a templated mail (None: text only, e.g. mail queued before).
    html: Mapped[str | None] = mapped_column(Text, nullable=True)
    # A document sent with the mail (the invoice or receipt PDF): its file name and bytes.
    attachment_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # queued (due at next_attempt_at, None = now), sent, or failed (the retry schedule is spent).
    status: Mapped[str] = mapped_column(String(16), default="queued", server_default="queued")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A sender's lease: nobody else sends the row until claimed_until (real time) has passed.
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_mail_outbox_due", "status", "next_attempt_at"),)


class AuditRow(Base):
    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                     primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    before: Mapped[str | None] = mapped_column(Text, nullable=True)  # canonical JSON
    after: Mapped[str | None] = mapped_column(Text, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHeadRow(Base):
    """One row holding the chain's last hash; locking it serializes appends."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class SandboxClockRow(Base):
    __tablename__ = "sandbox_clock"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    now: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class JobStateRow(Base):
    """When each job last ran, for operators (`licensor jobs status`)."""

    __tablename__ = "job_state"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_count: Mapped[int] = mapped_column(Integer, default=0)
