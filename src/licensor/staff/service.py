"""Staff accounts: add, list, remove; console log-in with expiring sessions and the customers'
lockout.

Passwords are Argon2id (as customers'); a console session is a random token whose SHA-256 is
stored. Sessions slide but are short (SESSION_LIFETIME without use), since a console session
can refund and revoke. Failed log-ins are counted by accounts' lockout under a "staff:" key, so
a customer and a staff member with the same email never lock each other out.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from licensor.accounts import lockout
from licensor.core import audit, mail, passwords
from licensor.core.errors import LicensorError
from licensor.core.tokens import token_hash
from licensor.core.web.console import ROLES, StaffMember
from licensor.staff.models import StaffRow, StaffSessionRow
from licensor.staff.repository import StaffRepository, StaffSessionRepository

SESSION_LIFETIME = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=5)
PASSWORD_MIN = 10



def member(row: StaffRow) -> StaffMember:
    return StaffMember(id=row.id, email=row.email, role=row.role)


def view(row: StaffRow) -> dict[str, str]:
    return {"id": row.id, "email": row.email, "role": row.role}


def check_new(email: str, password: str, role: str) -> None:
    """422 INVALID_REQUEST naming the field of a malformed email, short password or role."""
    if not mail.EMAIL_RE.match(email) or len(email) > mail.EMAIL_MAX_LENGTH:
        raise LicensorError("INVALID_REQUEST", "Give the staff member's email address, such "
                            "as ana@example.com.", {"field": "email"})
    if len(password) < PASSWORD_MIN or len(password) > 200:
        raise LicensorError("INVALID_REQUEST", f"Choose a password of {PASSWORD_MIN} to 200 "
                            "characters: a console session can refund and revoke.",
                            {"field": "password"})
    if role not in ROLES:
        raise LicensorError("INVALID_REQUEST", "role is admin or support.", {"field": "role"})


def add_staff(session: Session, *, email: str, password: str, role: str, now: datetime,
              actor: str) -> StaffRow:
    """A new staff member; 409 STAFF_EXISTS when the email already has one."""
    email = email.strip()
    check_new(email, password, role)
    repo = StaffRepository(session)
    exists = LicensorError("STAFF_EXISTS", f"{email} is already a staff member; remove them "
                           "first to change their role or password.", {"email": email})
    if repo.by_email(email) is not None:
        raise exists
    row = StaffRow(id=str(uuid.uuid4()), email=email, email_key=email.casefold(), role=role,
                   password_hash=passwords.hasher().hash(password), created_at=now)
    try:
        with session.begin_nested():
            repo.add(row)
    except IntegrityError:
        raise exists from None
    audit.record(session, actor=actor, action="staff.added", entity_type="staff",
                 entity_id=row.id, before=None, after={"email": email, "role": role}, now=now)
    return row


def list_staff(session: Session) -> list[StaffRow]:
    return StaffRepository(session).all()


def remove_staff(session: Session, staff_id: str, *, now: datetime, actor: str) -> StaffRow:
    """Remove a member and end their sessions; 404 STAFF_NOT_FOUND."""
    repo = StaffRepository(session)
    row = repo.get(staff_id)
    if row is None:
        raise LicensorError("STAFF_NOT_FOUND", f"No staff member {staff_id}; list them with "
                            "GET /v1/staff.", {"staff_id": staff_id})
    before = view(row)
    repo.remove(row)
    audit.record(session, actor=actor, action="staff.removed", entity_type="staff",
                 entity_id=staff_id, before=before, after=None, now=now)
    return row


def _refused() -> LicensorError:
    return LicensorError("INVALID_CREDENTIALS", "The email or password is wrong; check both "
                         "and try again.", status=401)


def log_in(session: Session, *, email: str, password: str, now: datetime,
           session_now: datetime) -> tuple[StaffRow, str]:
    """A new console session; 401 INVALID_CREDENTIALS, 429 RATE_LIMITED while locked. The
    caller commits even on a refusal, so the failure counts."""
    key = "staff:" + email.strip().casefold()
    lockout.check(session, key, now)
    row = StaffRepository(session).by_email(email)
    try:
        passwords.hasher().verify(row.password_hash if row else passwords.dummy_hash(),
                                  password)
    except (VerificationError, InvalidHashError):
        holder = None if row is None else lockout.Holder(
            "staff", row.id, row.email, row.email,
            lambda: StaffRepository(session).lock(row.id))
        lockout.record_failure(session, key, holder, now)
        raise _refused() from None
    if row is None:
        raise _refused()
    lockout.record_success(session, key)
    token = "lss_" + secrets.token_urlsafe(32)
    StaffSessionRepository(session).add(StaffSessionRow(
        token_hash=token_hash(token), staff_id=row.id, created_at=session_now,
        last_used_at=session_now))
    audit.record(session, actor=f"staff:{row.email}", action="staff.logged_in",
                 entity_type="staff", entity_id=row.id, before=None, after=None, now=now)
    return row, token


def authenticate(session: Session, token: str,
                 now: datetime) -> tuple[StaffSessionRow, StaffRow] | None:
    """The live session and member of a console token, or None (unknown, ended or expired)."""
    found = StaffSessionRepository(session).by_hash(token_hash(token))
    if found is None:
        return None
    row, staff = found
    if row.revoked_at is not None or row.last_used_at + SESSION_LIFETIME <= now:
        return None
    return row, staff


def needs_touch(row: StaffSessionRow, now: datetime) -> bool:
    return now - row.last_used_at >= TOUCH_EVERY


def touch(session: Session, hash_: str, now: datetime) -> None:
    row = StaffSessionRepository(session).get(hash_)
    if row is not None and row.revoked_at is None:
        row.last_used_at = now


def end_session(session: Session, token: str, now: datetime) -> None:
    row = StaffSessionRepository(session).get(token_hash(token))
    if row is not None and row.revoked_at is None:
        row.revoked_at = now
