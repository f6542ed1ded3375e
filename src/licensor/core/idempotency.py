"""Idempotency-Key records: claim a key, answer a retry with the first answer, free a key
whose holder died, forget records after a day.

Bookkeeping runs on the wall clock, not the business clock: a frozen sandbox clock must not
keep a dead holder's key locked. Answers are sealed with a key derived from the client's
Idempotency-Key (never stored, only its hash), so a copy of the database does not reveal the
account tokens or License Keys an answer holds.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import nacl.exceptions
import nacl.secret
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from licensor.core.clock import wall_clock
from licensor.core.db import Database
from licensor.core.jobs import job
from licensor.core.models import IdempotencyKeyRow

LEASE = timedelta(seconds=30)  # renewed every HEARTBEAT while the request runs
HEARTBEAT = timedelta(seconds=10)
KEEP = timedelta(hours=24)


def canonical_request(body: bytes) -> bytes:
    """The same JSON with other spacing or key order is the same request. A body that is not
    JSON, or JSON nested past what the parser follows, is compared as its bytes (the route then
    refuses it)."""
    try:
        return json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode()
    except (ValueError, UnicodeDecodeError, RecursionError):
        return body


@dataclass
class Claim:
    scope: str  # sha256 of method, path and Authorization
    key: str  # sha256 of the client's key
    request_hash: str
    box: nacl.secret.SecretBox
    stored: bool = False

    @classmethod
    def of(cls, method: str, path: str, authorization: str, client_key: str,
           body: bytes) -> Claim:
        scope = hashlib.sha256(f"{method}\n{path}\n{authorization}".encode()).hexdigest()
        secret = hashlib.blake2b(client_key.encode(), key=bytes.fromhex(scope),
                                 digest_size=32, person=b"licensor-idem").digest()
        return cls(scope=scope, key=hashlib.sha256(client_key.encode()).hexdigest(),
                   request_hash=hashlib.sha256(canonical_request(body)).hexdigest(),
                   box=nacl.secret.SecretBox(secret))

    def seal(self, body: bytes) -> str:
        return base64.b64encode(self.box.encrypt(body)).decode()

    def open(self, sealed: str) -> bytes | None:
        try:
            return self.box.decrypt(base64.b64decode(sealed))
        except (nacl.exceptions.CryptoError, ValueError):
            return None


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str
    replayed: bool = True


def claim(db: Database, c: Claim) -> Answer | str | None:
    """None: the key is ours, run the request. A string: the refusal's code (IN_USE, REUSED).
    An Answer: the stored first answer, to give again."""
    now = wall_clock()
    with db.writer() as session:
        row = session.get(IdempotencyKeyRow, (c.scope, c.key), with_for_update=True)
        if row is not None and now - row.created_at >= KEEP:
            session.delete(row)
            session.flush()
            row = None
        if row is None:
            session.add(IdempotencyKeyRow(scope=c.scope, key=c.key, request_hash=c.request_hash,
                                          created_at=now, locked_until=now + LEASE))
            try:
                session.commit()
                return None
            except IntegrityError:  # a twin claimed it this instant
                session.rollback()
                return "IDEMPOTENCY_KEY_IN_USE"
        if row.request_hash != c.request_hash:
            return "IDEMPOTENCY_KEY_REUSED"
        if row.status_code is None:
            if row.locked_until is not None and row.locked_until > now:
                return "IDEMPOTENCY_KEY_IN_USE"
            row.locked_until = now + LEASE  # its holder died: the request runs again
            session.commit()
            return None
        body = c.open(row.response_body or "")
        if body is None:  # cannot happen with the same key; treat as not answered
            return "IDEMPOTENCY_KEY_IN_USE"
        return Answer(row.status_code, body, row.content_type or "application/json")


def record(session: Session, c: Claim, status: int, body: bytes, content_type: str) -> None:
    """Write the answer in `session`, to commit with the work it answers."""
    row = session.get(IdempotencyKeyRow, (c.scope, c.key), with_for_update=True,
                      populate_existing=True)
    if row is None:  # expired and pruned under a very long request: keep the answer anyway
        row = IdempotencyKeyRow(scope=c.scope, key=c.key, request_hash=c.request_hash,
                                created_at=wall_clock())
        session.add(row)
    row.status_code, row.content_type = status, content_type[:100]
    row.response_body, row.locked_until = c.seal(body), None
    session.flush()
    c.stored = True


def record_alone(db: Database, c: Claim, status: int, body: bytes, content_type: str) -> None:
    with db.writer() as session:
        record(session, c, status, body, content_type)
        session.commit()


def release(db: Database, c: Claim) -> None:
    """The request failed on our side (5xx, crash of the handler): a retry runs it again."""
    with db.writer() as session:
        session.execute(delete(IdempotencyKeyRow).where(
            IdempotencyKeyRow.scope == c.scope, IdempotencyKeyRow.key == c.key,
            IdempotencyKeyRow.status_code.is_(None)))
        session.commit()


def renew(db: Database, c: Claim) -> None:
    with db.writer() as session:
        row = session.get(IdempotencyKeyRow, (c.scope, c.key), with_for_update=True)
        if row is not None and row.status_code is None:
            row.locked_until = wall_clock() + LEASE
        session.commit()


@job("idempotency", order=1000)
def forget_old_records(_ctx: object, session: Session, _now: datetime) -> int:
    """Records are kept a day, as Stripe keeps its keys."""
    result = session.execute(delete(IdempotencyKeyRow).where(
        IdempotencyKeyRow.created_at < wall_clock() - KEEP))
    return int(getattr(result, "rowcount", 0) or 0)
