"""Customer accounts: sign-up, log-in, and the bearer tokens that identify an account.

Passwords are hashed with Argon2id (argon2-cffi); tokens are random and only their SHA-256 is
stored, so a database leak gives neither.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from licensor.domain.errors import LicensorError
from licensor.services import audit
from licensor.store.models_subscriptions import AccountRow, AccountTokenRow
from licensor.store.repositories_subscriptions import AccountRepository

_hasher = PasswordHasher()
# Verified against when the email is unknown, so both refusals take the same time.
_DUMMY_HASH = _hasher.hash("not-a-password")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_token(session: Session, account: AccountRow, now: datetime) -> str:
    token = "lsa_" + secrets.token_urlsafe(32)
    session.add(AccountTokenRow(token_hash=token_hash(token), account_id=account.id,
                                created_at=now))
    session.flush()
    return token


def email_taken(email: str) -> LicensorError:
    return LicensorError("EMAIL_TAKEN", "An account with this email already exists; log in "
                         "with POST /v1/sessions instead.", {"email": email})


def create_account(session: Session, *, email: str, name: str, password: str,
                   now: datetime) -> tuple[AccountRow, str]:
    """A new account and its first token; 409 EMAIL_TAKEN when the email has an account."""
    email = email.strip()
    repo = AccountRepository(session)
    if repo.by_email(email) is not None:
        raise email_taken(email)
    row = AccountRow(id=str(uuid.uuid4()), email=email, email_key=email.casefold(),
                     name=name.strip(), password_hash=_hasher.hash(password), created_at=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # a concurrent sign-up with the same email won
        raise email_taken(email) from None
    audit.record(session, actor=f"account:{row.id}", action="account.created",
                 entity_type="account", entity_id=row.id, before=None,
                 after={"email": email, "name": row.name}, now=now)
    return row, _new_token(session, row, now)


def log_in(session: Session, *, email: str, password: str, now: datetime) -> str:
    """A new token for the account; 401 INVALID_CREDENTIALS for any wrong email or password."""
    row = AccountRepository(session).by_email(email)
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        row = None
    else:
        if row is not None and _hasher.check_needs_rehash(row.password_hash):
            row.password_hash = _hasher.hash(password)
    if row is None:
        raise LicensorError("INVALID_CREDENTIALS", "The email or password is wrong; check both "
                            "and try again.", status=401)
    return _new_token(session, row, now)


def account_for_token(session: Session, token: str) -> AccountRow | None:
    return AccountRepository(session).by_token_hash(token_hash(token))
