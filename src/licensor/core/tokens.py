"""Admin bearer tokens: LICENSOR_ADMIN_TOKEN, plus tokens created by CLI and stored hashed.

A stored token is found by the SHA-256 of what the caller sent, so no secret is compared in
Python; LICENSOR_ADMIN_TOKEN, the one secret held in clear, is compared in constant time. A
token may carry an expiry and can be revoked; either way its row stays, so the refusal can say
what happened. Expiry runs on real time (Clock.real_now), never the sandbox clock.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from licensor.config import Settings
from licensor.core import audit
from licensor.core.errors import LicensorError
from licensor.core.models import AdminTokenRow
from licensor.core.repository import AdminTokenListRepository, AdminTokenRepository

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_duration(text: str) -> timedelta:
    """'30d', '12h', '15m', '90s', '2w' → a timedelta; 422 INVALID_DURATION otherwise."""
    match = re.fullmatch(r"\s*(\d{1,6})\s*([smhdw])\s*", text.lower())
    if not match or int(match.group(1)) == 0:
        raise LicensorError("INVALID_DURATION", f"'{text}' is not a duration; write a number "
                            "and a unit, for example 30d, 12h, 15m, 90s or 2w.",
                            {"value": text})
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


def create_token(session: Session, name: str, now: datetime,
                 expires_in: timedelta | None = None) -> str:
    token = "lsr_" + secrets.token_urlsafe(32)
    expires_at = now + expires_in if expires_in is not None else None
    row = AdminTokenRow(id=str(uuid.uuid4()), name=name, token_hash=token_hash(token),
                        created_at=now, expires_at=expires_at)
    session.add(row)
    audit.record(session, actor="cli", action="admin_token.created", entity_type="admin_token",
                 entity_id=row.id, before=None,
                 after={"name": name, "expires_at": expires_at and expires_at.isoformat()},
                 now=now)
    return token


def status(row: AdminTokenRow, now: datetime) -> str:
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and row.expires_at <= now:
        return "expired"
    return "active"


def list_tokens(session: Session) -> list[AdminTokenRow]:
    return list(AdminTokenListRepository(session).all())


def revoke_token(session: Session, ref: str, now: datetime, actor: str = "cli") -> AdminTokenRow:
    """Revoke a token by its id or name; 404 TOKEN_NOT_FOUND, or 422 when a name is shared."""
    rows = AdminTokenListRepository(session).by_id_or_name(ref)
    if not rows:
        raise LicensorError("TOKEN_NOT_FOUND", f"No admin token has the id or name '{ref}'; "
                            "see `licensor tokens list`.", {"token": ref})
    if len(rows) > 1:
        raise LicensorError("INVALID_REQUEST", f"Several admin tokens are named '{ref}'; "
                            "revoke one by its id (see `licensor tokens list`).",
                            {"field": "token", "ids": [r.id for r in rows]})
    row = rows[0]
    if row.revoked_at is None:
        row.revoked_at = now
        audit.record(session, actor=actor, action="admin_token.revoked",
                     entity_type="admin_token", entity_id=row.id, before=None,
                     after={"name": row.name}, now=now)
    return row


def admin_name(session: Session, settings: Settings, token: str,
               now: datetime | None = None) -> str | None:
    """The admin's name for audit entries, or None if the token is not an admin token.
    An expired or revoked admin token is 401 UNAUTHENTICATED saying so."""
    if settings.admin_token and hmac.compare_digest(token.encode(), settings.admin_token.encode()):
        return "admin"
    row = AdminTokenRepository(session).by_hash(token_hash(token))
    if row is None:
        return None
    state = status(row, now) if now is not None else ("revoked" if row.revoked_at else "active")
    if state == "revoked":
        raise LicensorError("UNAUTHENTICATED", f"This admin token ('{row.name}') was revoked; "
                            "ask an operator for a new one (`licensor tokens create NAME`).",
                            {"reason": "revoked"}, status=401)
    if state == "expired":
        raise LicensorError("UNAUTHENTICATED", f"This admin token ('{row.name}') expired; ask "
                            "an operator for a new one (`licensor tokens create NAME "
                            "--expires-in 30d`).", {"reason": "expired"}, status=401)
    return f"admin:{row.name}"
