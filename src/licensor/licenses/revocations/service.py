"""The signed revocation list (`GET /v1/revocations`): which licenses no longer validate, for
apps that check License Information offline (licensor.verify reads it; format in
docs/key-format.md).

The document is signed once and stored (revocation_lists), so every worker and host serves
the same bytes with the same `sequence`. A change the list shows (a revocation, including a
refund's) counts one more change in the same transaction; the next read after the commit finds
the stored document behind and re-signs it, once, under the row's lock. A document older than a
day is re-signed too (and one whose key is no longer the active one), so `next_update` is
always days ahead. Each process keeps the bytes for a second: the endpoint stays as cheap as a
health check under load, and a revocation reaches every worker within that second.

Times here are real time, even in sandbox mode: apps compare them with their own clocks.
"""

from __future__ import annotations

import base64
import json
import os
import time
from datetime import datetime, timedelta

from nacl.signing import SigningKey
from sqlalchemy.orm import Session

from licensor.core.context import CachedBody, Context
from licensor.licenses.repository import RevocationListRepository
from licensor.verify.revocations import FORMAT, encode_base64url

NEXT_UPDATE = timedelta(days=7)
RESIGN_AFTER = timedelta(days=1)
CACHE_SECONDS = 1.0


def license_status_changed(ctx: Context, session: Session) -> None:
    """Call in the transaction that revokes a license (or otherwise changes what the list
    shows): the list is re-signed after it commits."""
    RevocationListRepository(session).count_change()
    ctx.revocation_list = None


def _rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _behind(state: tuple[int, int, datetime | None, str | None] | None, now: datetime) -> bool:
    if state is None:
        return True
    changes, signed_changes, issued_at, key_status = state
    return (changes != signed_changes or issued_at is None or key_status != "active"
            or now - issued_at >= RESIGN_AFTER)


def sign_document(ctx: Context, session: Session, now: datetime) -> str:
    """The stored document, re-signed first if it is behind (locks the row: one signer)."""
    repo = RevocationListRepository(session)
    row = repo.get_for_update() or repo.create()
    if not _behind(repo.state(), now) and row.document is not None:
        return row.document
    kid, key = ctx.keyring.signer(session)
    issued = now.replace(microsecond=0)
    row.document = build_document(kid, key, issued, row.sequence + 1,
                                  repo.revoked_license_ids())
    row.sequence, row.kid, row.issued_at = row.sequence + 1, kid, issued
    row.signed_changes = row.changes
    session.flush()
    return row.document


def build_document(kid: str, key: SigningKey, issued: datetime, sequence: int,
                   license_ids: list[str]) -> str:
    """The signed document's JSON text (the test vectors use it with a fixed key and time)."""
    payload = {"issued_at": _rfc3339(issued), "next_update": _rfc3339(issued + NEXT_UPDATE),
               "sequence": sequence, "licenses": license_ids}
    text = encode_base64url(json.dumps(payload, separators=(",", ":")).encode("ascii"))
    signature = key.sign(text.encode("ascii")).signature
    return json.dumps({"format": FORMAT, "kid": kid, "payload": text,
                       "signature": base64.b64encode(signature).decode("ascii")},
                      separators=(",", ":"))


def cached_document(ctx: Context) -> bytes | None:
    """This process's copy of the document if it is under a second old."""
    cached = ctx.revocation_list
    if cached is not None and cached.pid == os.getpid() \
            and time.monotonic() - cached.at < CACHE_SECONDS:
        return cached.body
    return None


def current_document(ctx: Context) -> bytes:
    """The document as served: this process's copy if under a second old, else the stored one
    (re-signed first if behind)."""
    cached = cached_document(ctx)
    if cached is not None:
        return cached
    now = ctx.clock.real_now()
    with ctx.db.reader() as session:
        repo = RevocationListRepository(session)
        document = None if _behind(repo.state(), now) else repo.document()
    if document is None:
        with ctx.db.transaction() as session:
            document = sign_document(ctx, session, now)
    body = document.encode("ascii")
    ctx.revocation_list = CachedBody(os.getpid(), time.monotonic(), body)
    return body
