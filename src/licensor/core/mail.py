"""Outgoing mail: queued in the same transaction as the change that causes it, delivered after.

Delivery goes by SMTP when LICENSOR_SMTP_URL is set, else to files in LICENSOR_HOME/mail;
either way the outbox table keeps every message (readable at GET /v1/sandbox/outbox).

Every process may send (each server worker, the jobs loop, CLI commands), so a sender first
claims the rows it will send: a lease written in a short transaction (`FOR UPDATE SKIP LOCKED`
on PostgreSQL; SQLite serializes writers). It then talks to SMTP with no transaction open, so a
slow or stalled server never holds a lock, and finally records each outcome in a second short
transaction, only for rows it still holds. A sender that dies leaves a lease that runs out, and
another sender sends the row: at least once across crashes, exactly once otherwise. Every retry
of a row carries the same Message-ID, so a receiving server can drop a duplicate.

Failures are retried on RETRY_DELAYS, measured on the Licensor clock (the sandbox clock moves
them); when the schedule is spent the row is `failed`, logged and announced by `mail.failed`.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import smtplib
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session

from licensor.core import events, leases
from licensor.core.background import BackgroundSender
from licensor.core.clock import wall_clock
from licensor.core.errors import LicensorError
from licensor.core.mail_templates import render_mail
from licensor.core.models import MailRow

if TYPE_CHECKING:
    from licensor.core.context import Context

log = logging.getLogger("licensor.mail")

QUEUED, SENT, FAILED = "queued", "sent", "failed"
# What Licensor takes for an email address, everywhere one is given (accounts, buyers, licenses):
# a local part and a domain within the RFC 5321 lengths, no spaces, no NUL (PostgreSQL text
# cannot hold it). Whether it receives mail only delivery can tell.
EMAIL_PATTERN = r"^[^@\s\x00]{1,64}@[^@\s\x00]{1,255}$"
EMAIL_RE = re.compile(EMAIL_PATTERN)
EMAIL_MAX_LENGTH = 320
# After the 1st, 2nd, ... failure the next try waits this long; after one failure more the
# message is failed.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
                timedelta(hours=2), timedelta(hours=6), timedelta(hours=24))
BATCH_SIZE = 50
# Longer than a batch can take (BATCH_SIZE messages, each bounded by the SMTP timeout), so a
# live sender never loses its rows; short enough that a dead sender's rows go out soon after.
LEASE = timedelta(minutes=10)


def enqueue(session: Session, *, to: str, subject: str, body: str, now: datetime,
            html: str | None = None, attachment: tuple[str, bytes] | None = None) -> MailRow:
    """Queue one message: `body` is its text part (what the outbox shows), `html` the
    alternative part of a mail rendered from a template, `attachment` a PDF sent with it
    (file name, bytes)."""
    name, data = attachment if attachment is not None else (None, None)
    row = MailRow(id=str(uuid.uuid4()), to=to, subject=subject, body=body, html=html,
                  attachment_name=name, attachment=data, created_at=now, attempts=0,
                  status=QUEUED)
    session.add(row)
    session.flush()
    return row


def enqueue_mail(session: Session, template: str, *, to: str, now: datetime,
                 attachment: tuple[str, bytes] | None = None, **context: Any) -> MailRow:
    """Queue the mail templates/mail/<template> renders (see core/mail_templates)."""
    subject, text, html = render_mail(template, **context)
    return enqueue(session, to=to, subject=subject, body=text, html=html, now=now,
                   attachment=attachment)


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


# -- the retry schedule -----------------------------------------------------------------------

def retry_at(failures: int, failed_at: datetime) -> datetime | None:
    """When to try again after `failures` failed tries; None once the schedule is spent."""
    if failures > len(RETRY_DELAYS):
        return None
    return failed_at + RETRY_DELAYS[failures - 1]


def failed(session: Session, limit: int = 500) -> list[MailRow]:
    return list(session.scalars(select(MailRow).where(MailRow.status == FAILED)
                                .order_by(MailRow.failed_at, MailRow.id).limit(limit)))


def retry(session: Session, mail_id: str) -> MailRow:
    """Put a failed message back to be sent now, with a fresh retry schedule."""
    row = session.get(MailRow, mail_id, with_for_update=True)
    if row is None:
        raise LicensorError("MAIL_NOT_FOUND", f"No message {mail_id} in the outbox; list failed "
                            "mail with `licensor mail failed`.", {"id": mail_id}, status=404)
    if row.status != FAILED:
        raise LicensorError("MAIL_NOT_FAILED", f"Message {mail_id} is {row.status}, not failed; "
                            "only failed mail can be retried.", {"id": mail_id,
                                                                 "status": row.status},
                            status=409)
    row.status, row.attempts, row.next_attempt_at, row.failed_at = QUEUED, 0, None, None
    session.flush()
    return row


# -- claiming and recording outcomes ------------------------------------------------------------

@dataclass(frozen=True)
class Outgoing:
    """A claimed message, detached from the database while it is being sent."""

    id: str
    to: str
    subject: str
    body: str
    created_at: datetime
    html: str | None = None
    attachment_name: str | None = None
    attachment: bytes | None = None


@dataclass(frozen=True)
class Failure:
    error: str
    permanent: bool = False  # the server refused the message itself (5xx): retrying won't help


def _due(now: datetime, wall_now: datetime) -> ColumnElement[bool]:
    return and_(MailRow.status == QUEUED,
                or_(MailRow.next_attempt_at.is_(None), MailRow.next_attempt_at <= now),
                leases.free(MailRow.claimed_until, wall_now))



def any_due(session: Session, now: datetime) -> bool:
    return bool(session.scalar(select(exists().where(_due(now, wall_clock())))))


def claim(session: Session, sender_id: str, now: datetime, limit: int = BATCH_SIZE
          ) -> list[Outgoing]:
    """Lease up to `limit` due messages to `sender_id`; the caller commits at once."""
    wall_now = wall_clock()
    rows = list(session.scalars(
        select(MailRow).where(_due(now, wall_now))
        .order_by(MailRow.created_at, MailRow.id).limit(limit)
        .with_for_update(skip_locked=True)))
    for row in rows:
        leases.take(row, sender_id, wall_now, LEASE)
    session.flush()
    return [Outgoing(r.id, r.to, r.subject, r.body, r.created_at, r.html, r.attachment_name,
                     r.attachment) for r in rows]


def record(ctx: Context, session: Session, sender_id: str,
           outcomes: dict[str, Failure | None], now: datetime) -> int:
    """Mark sent what went out and schedule the rest, for rows `sender_id` still holds (a row
    whose lease ran out may be another sender's by now). Returns how many went out."""
    rows = session.scalars(select(MailRow).where(MailRow.id.in_(list(outcomes)),
                                                 MailRow.claimed_by == sender_id,
                                                 MailRow.status == QUEUED)
                           .with_for_update()).all()
    sent = 0
    for row in rows:
        failure = outcomes[row.id]
        leases.release(row)
        row.attempts += 1
        if failure is None:
            row.status, row.sent_at, row.last_error, row.next_attempt_at = SENT, now, None, None
            sent += 1
            continue
        row.last_error = failure.error[:1000]
        row.next_attempt_at = None if failure.permanent else retry_at(row.attempts, now)
        if row.next_attempt_at is None:
            row.status, row.failed_at = FAILED, now
            log.error("mail %s to %s failed after %d attempt(s): %s; see `licensor mail "
                      "failed`", row.id, row.to, row.attempts, row.last_error)
            # mail.failed(mail: MailRow): the message will not be sent unless retried.
            events.emit(ctx, session, now, "mail.failed", mail=row)
    session.flush()
    return sent


def deliver_due(ctx: Context, limit: int = BATCH_SIZE) -> tuple[int, int]:
    """One round: claim due mail, send it with no transaction open, record the outcomes.
    Returns (claimed, sent); claimed is 0 when nothing was due."""
    mailer = ctx.mailer
    with ctx.db.reader() as session:
        if not any_due(session, ctx.clock.now(session)):
            return 0, 0  # the common case, answered without taking SQLite's write lock
    with ctx.db.transaction() as session:
        batch = claim(session, mailer.sender_id, ctx.clock.now(session), limit)
    if not batch:
        return 0, 0
    outcomes = mailer.send(batch)
    with ctx.db.transaction() as session:
        sent = record(ctx, session, mailer.sender_id, outcomes, ctx.clock.now(session))
    return len(batch), sent


def deliver_all_due(ctx: Context) -> int:
    """Rounds until nothing is due (failures wait for their retry time); returns how many went
    out."""
    total = 0
    while True:
        claimed, sent = deliver_due(ctx)
        total += sent
        if claimed == 0:
            return total


# -- the transport --------------------------------------------------------------------------------

def _message_domain(sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2].strip()
    return domain or socket.getfqdn() or "licensor"


class Mailer(BackgroundSender):
    """Sends messages, and runs this process's background sender: requests wake it after they
    commit, so a response never waits on SMTP."""

    def __init__(self, smtp_url: str | None, mail_dir: Path, sender: str,
                 timeout: float = 10.0) -> None:
        self.smtp_url = smtp_url
        self.mail_dir = mail_dir
        self.sender = sender
        self.timeout = timeout
        self.domain = _message_domain(sender)
        # close() still sends what a wake-up before it asked for.
        super().__init__("licensor-mail", log, "mail", finish_on_close=True)

    def message(self, mail: Outgoing) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = mail.to
        msg["Subject"] = mail.subject
        msg["Date"] = format_datetime(mail.created_at)
        msg["Message-ID"] = f"<{mail.id}@{self.domain}>"
        msg.set_content(mail.body)
        if mail.html:  # multipart/alternative: clients show the HTML, or else the text
            msg.add_alternative(mail.html, subtype="html")
        if mail.attachment is not None:  # multipart/mixed: the message, then the document
            msg.add_attachment(mail.attachment, maintype="application", subtype="pdf",
                               filename=mail.attachment_name or "document.pdf")
        # Our own boundaries: the email package would draw them from the process-wide
        # `random` generator, which a sender thread must not share with the rest.
        for part in msg.walk():
            if part.is_multipart():
                part.set_boundary(f"=_licensor_{secrets.token_hex(16)}")
        return msg

    def send(self, batch: Sequence[Outgoing]) -> dict[str, Failure | None]:
        """Each message's outcome: None when it went out."""
        if self.smtp_url:
            return self._send_smtp(batch)
        return self._write_files(batch)

    def _send_smtp(self, batch: Sequence[Outgoing]) -> dict[str, Failure | None]:
        assert self.smtp_url is not None
        parsed = urlparse(self.smtp_url)
        outcomes: dict[str, Failure | None] = {}
        try:
            with smtplib.SMTP(parsed.hostname or "127.0.0.1", parsed.port or 25,
                              timeout=self.timeout) as smtp:
                if parsed.username:
                    smtp.login(parsed.username, parsed.password or "")
                for mail in batch:
                    try:
                        smtp.send_message(self.message(mail))
                        outcomes[mail.id] = None
                    except smtplib.SMTPRecipientsRefused as exc:
                        codes = [code for code, _ in exc.recipients.values()]
                        outcomes[mail.id] = Failure(str(exc), permanent=min(codes) >= 500)
                    except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
                        outcomes[mail.id] = Failure(str(exc), permanent=exc.smtp_code >= 500)
                    except (OSError, smtplib.SMTPServerDisconnected):
                        raise  # the connection is gone: handled for the whole rest below
                    except Exception as exc:  # noqa: BLE001 - e.g. an address the server
                        # cannot take: this message's schedule runs out, the batch goes on
                        outcomes[mail.id] = Failure(f"{type(exc).__name__}: {exc}")
        except (OSError, smtplib.SMTPException) as exc:
            # The connection failed or broke: what was not accepted yet is tried again later.
            for mail in batch:
                outcomes.setdefault(mail.id, Failure(f"{type(exc).__name__}: {exc}"))
        return outcomes

    def _write_files(self, batch: Sequence[Outgoing]) -> dict[str, Failure | None]:
        outcomes: dict[str, Failure | None] = {}
        try:
            self.mail_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(self.mail_dir, 0o700)  # messages carry License Keys
        except OSError as exc:
            return {mail.id: Failure(f"{type(exc).__name__}: {exc}") for mail in batch}
        for mail in batch:
            stamp = mail.created_at.strftime("%Y%m%dT%H%M%S")
            path = self.mail_dir / f"{stamp}-{mail.id}.eml"
            partial = path.with_suffix(".part")
            try:
                fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(bytes(self.message(mail)))
                os.replace(partial, path)  # readers never see half a message
                outcomes[mail.id] = None
            except Exception as exc:  # noqa: BLE001 - one bad message must not hold up others
                outcomes[mail.id] = Failure(f"{type(exc).__name__}: {exc}")
        return outcomes

    # -- the background sender (core/background): woken after commits ------------------------
    def send_round(self, ctx: Context) -> float | None:
        deliver_all_due(ctx)
        return None  # failures wait for their retry time and the next wake-up (jobs, requests)
