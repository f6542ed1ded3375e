"""Tables of the defences against abuse: failed sign-ins and lost-key mails sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from licensor.store.db import Base, UTCDateTime


class LoginFailureRow(Base):
    """One wrong password for an email. Kept per email (case-folded), not per account, so the
    lockout answers alike whether or not an account has that email."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email_key: Mapped[str] = mapped_column(String(320))
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_login_failures_email_at", "email_key", "at"),)


class LostKeyMailRow(Base):
    """A lost-key mail sent to an address: at most a few an hour reach one address."""

    __tablename__ = "lost_key_mails"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email_key: Mapped[str] = mapped_column(String(320))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_lost_key_mails_email_sent", "email_key", "sent_at"),)
