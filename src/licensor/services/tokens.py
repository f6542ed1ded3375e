"""Admin bearer tokens: LICENSOR_ADMIN_TOKEN, plus tokens created by CLI and stored hashed."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from licensor.config import Settings
from licensor.services import audit
from licensor.store.models import AdminTokenRow
from licensor.store.repositories import AdminTokenRepository


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, name: str, now: datetime) -> str:
    token = "lsr_" + secrets.token_urlsafe(32)
    row = AdminTokenRow(id=str(uuid.uuid4()), name=name, token_hash=token_hash(token),
                        created_at=now)
    session.add(row)
    audit.record(session, actor="cli", action="admin_token.created", entity_type="admin_token",
                 entity_id=row.id, before=None, after={"name": name}, now=now)
    return token


def admin_name(session: Session, settings: Settings, token: str) -> str | None:
    """The admin's name for audit entries, or None if the token is not an admin token."""
    if settings.admin_token and hmac.compare_digest(token.encode(), settings.admin_token.encode()):
        return "admin"
    row = AdminTokenRepository(session).by_hash(token_hash(token))
    return f"admin:{row.name}" if row else None
