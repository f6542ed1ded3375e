"""Outgoing mail: queued in the same transaction as the change that causes it, delivered after.

Delivery goes by SMTP when LICENSOR_SMTP_URL is set, else to files in LICENSOR_HOME/mail;
either way the outbox table keeps every message (readable at GET /v1/sandbox/outbox).
"""

from __future__ import annotations

import smtplib
import uuid
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlparse

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from licensor.domain.errors import LicensorError
from licensor.store.models import MailRow

MAX_ATTEMPTS = 10


def enqueue(session: Session, *, to: str, subject: str, body: str, now: datetime) -> MailRow:
    row = MailRow(id=str(uuid.uuid4()), to=to, subject=subject, body=body, created_at=now,
                  attempts=0)
    session.add(row)
    session.flush()
    return row


def outbox(session: Session, to: str | None = None, limit: int = 100,
           after: str | None = None) -> list[MailRow]:
    """Messages oldest first; `after` is the id of the last message of the previous page."""
    query = select(MailRow).order_by(MailRow.created_at, MailRow.id)
    if to:
        query = query.where(MailRow.to == to)
    if after:
        last = session.get(MailRow, after)
        if last is None:
            raise LicensorError("INVALID_REQUEST", "cursor is not one this list returned; start "
                                "again without it.", {"field": "cursor"})
        query = query.where(or_(MailRow.created_at > last.created_at,
                                and_(MailRow.created_at == last.created_at, MailRow.id > last.id)))
    return list(session.scalars(query.limit(limit)))


class Mailer:
    def __init__(self, smtp_url: str | None, mail_dir: Path, sender: str) -> None:
        self.smtp_url = smtp_url
        self.mail_dir = mail_dir
        self.sender = sender

    def _message(self, row: MailRow) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = row.to
        msg["Subject"] = row.subject
        msg["Date"] = format_datetime(row.created_at)
        msg["Message-ID"] = f"<{row.id}@licensor>"
        msg.set_content(row.body)
        return msg

    def send(self, rows: list[MailRow]) -> None:
        messages = [self._message(r) for r in rows]
        if self.smtp_url:
            parsed = urlparse(self.smtp_url)
            with smtplib.SMTP(parsed.hostname or "127.0.0.1", parsed.port or 25,
                              timeout=10) as smtp:
                if parsed.username:
                    smtp.login(parsed.username, parsed.password or "")
                for msg in messages:
                    smtp.send_message(msg)
            return
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        for row, msg in zip(rows, messages, strict=True):
            stamp = row.created_at.strftime("%Y%m%dT%H%M%S")
            (self.mail_dir / f"{stamp}-{row.id}.eml").write_bytes(bytes(msg))

    def deliver_pending(self, session: Session, now: datetime, limit: int = 200) -> int:
        """Send what is queued; the caller commits. Failures stay queued for the next run."""
        rows = list(session.scalars(
            select(MailRow).where(MailRow.sent_at.is_(None), MailRow.attempts < MAX_ATTEMPTS)
            .order_by(MailRow.created_at).limit(limit)))
        if not rows:
            return 0
        try:
            self.send(rows)
        except (OSError, smtplib.SMTPException) as exc:
            for row in rows:
                row.attempts += 1
                row.last_error = str(exc)[:1000]
            return 0
        for row in rows:
            row.sent_at = now
            row.attempts += 1
        return len(rows)
