"""Customer accounts: sign-up, log-in, and the bearer tokens that identify an account.

Passwords are hashed with Argon2id (argon2-cffi); tokens are random and only their SHA-256 is
stored, so a database leak gives neither. A token is found by its hash, so no comparison of
secrets happens in Python at all. Sessions slide: one unused for SESSION_LIFETIME ends; one in use
lives on. Their lifetime runs on real time, never the sandbox clock (see Clock.real_now).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from licensor.accounts import lockout
from licensor.accounts.models import AccountRow, AccountTokenRow
from licensor.accounts.repository import AccountRepository, AccountSessionRepository
from licensor.core import audit, events, passwords
from licensor.core.errors import LicensorError
from licensor.core.tokens import token_hash

SESSION_LIFETIME = timedelta(days=30)
# A session's last use is written at most this often: not a write on every call.
TOUCH_EVERY = timedelta(hours=1)



def hash_password(password: str) -> str:
    return passwords.hasher().hash(password)


def audit_names(session: Session, entries: Sequence[Any]) -> dict[str, str]:
    """How the audit log's people read in the console: each `account:<id>` actor and each
    account entity id named by its email (an account since deleted keeps its id)."""
    ids = {e.actor.removeprefix("account:") for e in entries if e.actor.startswith("account:")}
    ids |= {e.entity_id for e in entries if e.entity_type == "account"}
    found = AccountRepository(session).emails(ids) if ids else {}
    return {**{f"account:{i}": f"account {email}" for i, email in found.items()}, **found}


def get_account(session: Session, account_id: str) -> AccountRow | None:
    return AccountRepository(session).get(account_id)


def account_by_email(session: Session, email: str) -> AccountRow | None:
    return AccountRepository(session).by_email(email)


def accounts_by_ids(session: Session, ids: set[str]) -> dict[str, AccountRow]:
    return {row.id: row for row in AccountRepository(session).by_ids(ids)} if ids else {}


def _new_token(session: Session, account: AccountRow, now: datetime) -> str:
    token = "lsa_" + secrets.token_urlsafe(32)
    session.add(AccountTokenRow(token_hash=token_hash(token), account_id=account.id,
                                created_at=now, last_used_at=now))
    session.flush()
    return token


def email_taken(email: str) -> LicensorError:
    return LicensorError("EMAIL_TAKEN", "An account with this email already exists; log in "
                         "with POST /v1/sessions instead.", {"email": email})


def create_account(session: Session, *, email: str, name: str, password: str,
                   now: datetime, session_now: datetime | None = None) -> tuple[AccountRow, str]:
    """A new account and its first token; 409 EMAIL_TAKEN when the email has an account.
    `session_now` is real time, when the token's life starts (see log_in)."""
    email = email.strip()
    repo = AccountRepository(session)
    if repo.by_email(email) is not None:
        raise email_taken(email)
    row = AccountRow(id=str(uuid.uuid4()), email=email, email_key=email.casefold(),
                     name=name.strip(), password_hash=passwords.hasher().hash(password),
                     created_at=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # a concurrent sign-up with the same email won
        raise email_taken(email) from None
    audit.record(session, actor=f"account:{row.id}", action="account.created",
                 entity_type="account", entity_id=row.id, before=None,
                 after={"email": email, "name": row.name}, now=now)
    # account.created(account): others react in this transaction (a site invitation joins)
    events.emit(None, session, now, "account.created", account=row)
    return row, _new_token(session, row, session_now or now)


def log_in(session: Session, *, email: str, password: str, now: datetime,
           session_now: datetime | None = None) -> str:
    """A new token for the account; 401 INVALID_CREDENTIALS for any wrong email or password,
    429 RATE_LIMITED while the email is locked (accounts/lockout.py). The caller commits even on
    a refusal, so the failure counts. `now` is the service clock (the lockout's); `session_now`
    real time, when the new session's life starts."""
    email_key = email.strip().casefold()
    lockout.check(session, email_key, now)
    row = AccountRepository(session).by_email(email)
    hasher = passwords.hasher()
    try:
        hasher.verify(row.password_hash if row else passwords.dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        lockout.record_failure(session, email_key, row, now)
        raise LicensorError("INVALID_CREDENTIALS", "The email or password is wrong; check both "
                            "and try again.", status=401) from None
    if row is None:  # the dummy hash matched: cannot happen, but never sign in to nobody
        raise LicensorError("INVALID_CREDENTIALS", "The email or password is wrong; check both "
                            "and try again.", status=401)
    if hasher.check_needs_rehash(row.password_hash):
        row.password_hash = hasher.hash(password)
    lockout.record_success(session, email_key)
    return _new_token(session, row, session_now or now)


def session_expired(token: AccountTokenRow, now: datetime) -> bool:
    return (token.last_used_at or token.created_at) + SESSION_LIFETIME <= now


def unauthenticated(reason: str) -> LicensorError:
    messages = {
        "expired": "This session expired after 30 days without use; sign in again with "
                   "POST /v1/sessions and use the new token.",
        "revoked": "This session was ended (signed out); sign in again with POST /v1/sessions "
                   "and use the new token.",
        "missing": "This call needs you signed in: send Authorization: Bearer <token> with "
                   "the token from POST /v1/accounts or POST /v1/sessions.",
        "unrecognised": "The token sent was not recognised; sign in again with POST "
                        "/v1/sessions and send the token it answers.",
    }
    return LicensorError("UNAUTHENTICATED", messages[reason], {"reason": reason}, status=401)


def authenticate(session: Session, token: str,
                 now: datetime) -> tuple[AccountTokenRow, AccountRow]:
    """The session and account of a bearer token; 401 UNAUTHENTICATED saying why not."""
    found = AccountSessionRepository(session).by_hash(token_hash(token))
    if found is None:
        raise unauthenticated("unrecognised")
    row, account = found
    if row.revoked_at is not None:
        raise unauthenticated("revoked")
    if session_expired(row, now):
        raise unauthenticated("expired")
    return row, account


def needs_touch(token: AccountTokenRow, now: datetime) -> bool:
    return token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY


def touch(session: Session, token_hash_: str, now: datetime) -> None:
    """Slide the session's end: it was used at `now`."""
    row = session.get(AccountTokenRow, token_hash_)
    if row is not None and row.revoked_at is None:
        row.last_used_at = now


def end_session(session: Session, token: str, now: datetime) -> None:
    row = session.get(AccountTokenRow, token_hash(token))
    if row is not None and row.revoked_at is None:
        row.revoked_at = now


def end_all_sessions(session: Session, account_id: str, now: datetime) -> int:
    rows = AccountSessionRepository(session).live_for_account(account_id)
    for row in rows:
        row.revoked_at = now
    return len(rows)
