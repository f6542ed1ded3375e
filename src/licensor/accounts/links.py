"""What a customer does alone with their account: reset a forgotten password, change their
name, email or password. A reset and a new email each act through a link mailed to the
address concerned, valid LINK_LIFETIME and only once; only the token's SHA-256 is stored."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from licensor.accounts import service as accounts
from licensor.accounts.models import AccountLinkRow, AccountRow
from licensor.accounts.repository import AccountRepository
from licensor.core import audit, mail
from licensor.core.errors import LicensorError
from licensor.core.tokens import token_hash

LINK_LIFETIME = timedelta(hours=1)
# Reset mails to one account per LINK_LIFETIME: enough for a lost mail or two, too few to
# flood someone's inbox through a form anyone can fill in.
RESETS_PER_HOUR = 5
PASSWORD, EMAIL = "password", "email"


def _new_link(session: Session, account: AccountRow, purpose: str, now: datetime,
              new_email: str | None = None) -> str:
    # A newer link of the same purpose replaces the older ones: only the last mail works.
    session.execute(update(AccountLinkRow).where(
        AccountLinkRow.account_id == account.id, AccountLinkRow.purpose == purpose,
        AccountLinkRow.used_at.is_(None)).values(used_at=now))
    token = secrets.token_urlsafe(32)
    session.add(AccountLinkRow(token_hash=token_hash(token), account_id=account.id,
                               purpose=purpose, new_email=new_email, created_at=now,
                               expires_at=now + LINK_LIFETIME))
    session.flush()
    return token


def request_password_reset(session: Session, email: str, now: datetime) -> bool:
    """Mail a reset link when the address has an account; whether it had one is for the
    caller's logs only: the customer is told the same either way."""
    account = AccountRepository(session).by_email(email)
    if account is None or _recent_resets(session, account, now) >= RESETS_PER_HOUR:
        return False
    token = _new_link(session, account, PASSWORD, now)
    mail.enqueue_mail(session, "password_reset", to=account.email, now=now,
                      greeting_name=account.name, token=token,
                      hours=int(LINK_LIFETIME.total_seconds() // 3600))
    return True


def _recent_resets(session: Session, account: AccountRow, now: datetime) -> int:
    return len(session.scalars(select(AccountLinkRow.token_hash).where(
        AccountLinkRow.account_id == account.id, AccountLinkRow.purpose == PASSWORD,
        AccountLinkRow.created_at > now - LINK_LIFETIME)).all())


def link_expired() -> LicensorError:
    return LicensorError("LINK_EXPIRED", "This link has expired or was already used (a link "
                         "works once, for one hour). Ask for a new one.", status=410)


def live_link(session: Session, token: str, purpose: str, now: datetime) -> AccountLinkRow:
    """The unused, unexpired link of `token`; 410 LINK_EXPIRED otherwise (also for a token
    never issued: a guess learns nothing more)."""
    row = session.scalars(select(AccountLinkRow).where(
        AccountLinkRow.token_hash == token_hash(token[:200]),
        AccountLinkRow.purpose == purpose)).first()
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise link_expired()
    return row


def reset_password(session: Session, token: str, password: str, now: datetime,
                   session_now: datetime) -> AccountRow:
    """Set the password of the link's account, use the link up and end every session (whoever
    knew the old password is signed out)."""
    link = live_link(session, token, PASSWORD, now)
    account = session.get(AccountRow, link.account_id, with_for_update=True)
    if account is None:
        raise link_expired()
    link.used_at = now
    account.password_hash = accounts.hash_password(password)
    accounts.end_all_sessions(session, account.id, session_now)
    audit.record(session, actor=f"account:{account.id}", action="account.password_reset",
                 entity_type="account", entity_id=account.id, before=None, after=None,
                 now=now)
    return account


def update_account(session: Session, account: AccountRow, *, name: str, email: str,
                   password: str, now: datetime) -> bool:
    """Save the name and (when given) a new password at once; a different email is mailed a
    confirmation link and changes only when it is followed. True when that mail was sent.
    409 EMAIL_TAKEN when another account has the new email."""
    row = session.get(AccountRow, account.id, with_for_update=True)
    assert row is not None
    before = {"name": row.name}
    row.name = name.strip()
    if password:
        row.password_hash = accounts.hash_password(password)
    email = email.strip()
    changing = email.casefold() != row.email_key
    if changing:
        other = AccountRepository(session).by_email(email)
        if other is not None and other.id != row.id:
            raise accounts.email_taken(email)
        token = _new_link(session, row, EMAIL, now, new_email=email)
        mail.enqueue_mail(session, "email_change", to=email, now=now,
                          greeting_name=row.name, token=token, old_email=row.email,
                          hours=int(LINK_LIFETIME.total_seconds() // 3600))
    audit.record(session, actor=f"account:{row.id}", action="account.updated",
                 entity_type="account", entity_id=row.id, before=before,
                 after={"name": row.name, "password_changed": bool(password),
                        "email_requested": email if changing else None}, now=now)
    return changing


def confirm_email(session: Session, token: str, now: datetime) -> AccountRow:
    """The new address of the link becomes the account's; 409 EMAIL_TAKEN when another
    account took it meanwhile."""
    link = live_link(session, token, EMAIL, now)
    account = session.get(AccountRow, link.account_id, with_for_update=True)
    if account is None or link.new_email is None:
        raise link_expired()
    other = AccountRepository(session).by_email(link.new_email)
    if other is not None and other.id != account.id:
        raise accounts.email_taken(link.new_email)
    before = account.email
    link.used_at = now
    account.email, account.email_key = link.new_email, link.new_email.casefold()
    audit.record(session, actor=f"account:{account.id}", action="account.email_changed",
                 entity_type="account", entity_id=account.id, before={"email": before},
                 after={"email": account.email}, now=now)
    return account
