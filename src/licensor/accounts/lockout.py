"""Sign-in lockout: 10 wrong passwords for one email within 15 minutes lock it for 15 minutes.

Counted per email in the database, so every worker agrees and it makes no difference from how
many addresses the guesses come (the per-address rate limits catch one noisy address; this
catches a botnet working on one account). While locked, even the right password is refused:
otherwise the lock would tell a guesser when they had found it. The account's owner is mailed
once when the lock starts (a customer account, or a console staff member). Unknown emails are counted and locked the same way, so a lock says
nothing about whether an account exists.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from licensor.accounts.models import AccountRow
from licensor.accounts.repository import AccountSessionRepository, LoginFailureRepository
from licensor.core import audit, mail
from licensor.core.errors import LicensorError
from licensor.core.formats import human_time
from licensor.core.jobs import job

MAX_FAILURES = 10
WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)


def lock_end(failures: list[datetime], now: datetime) -> datetime | None:
    """When the lock that these failures (newest first, at most MAX_FAILURES) impose ends, or
    None when they impose none at `now`."""
    if len(failures) < MAX_FAILURES:
        return None
    newest, oldest = failures[0], failures[MAX_FAILURES - 1]
    if newest - oldest > WINDOW:
        return None
    end = newest + LOCK
    return end if end > now else None


def locked_until(session: Session, email_key: str, now: datetime) -> datetime | None:
    failures = LoginFailureRepository(session).latest(email_key, now - WINDOW - LOCK,
                                                      MAX_FAILURES)
    return lock_end(failures, now)


def locked_error(until: datetime, now: datetime) -> LicensorError:
    wait = max(1, math.ceil((until - now).total_seconds()))
    return LicensorError(
        "RATE_LIMITED", f"Too many wrong passwords for this account: sign-in is locked until "
        f"{human_time(until)}. Try again in {math.ceil(wait / 60)} minute(s); the "
        "account's owner has been told by mail.",
        {"retry_after": wait, "locked_until": until.isoformat()}, status=429,
        headers={"Retry-After": str(wait)})


def check(session: Session, email_key: str, now: datetime) -> None:
    """429 RATE_LIMITED while the email is locked."""
    until = locked_until(session, email_key, now)
    if until is not None:
        raise locked_error(until, now)


@dataclass(frozen=True)
class Holder:
    """Whose sign-in a lock stops: audited on them and mailed once when it starts. `lock`
    takes their row's lock, so two concurrent tenth failures cannot both start the lock."""

    entity_type: str  # account | staff
    id: str
    email: str
    name: str
    lock: Callable[[], object]


def account_holder(session: Session, account: AccountRow) -> Holder:
    return Holder("account", account.id, account.email, account.name,
                  lambda: AccountSessionRepository(session).lock_account(account.id))


def record_failure(session: Session, email_key: str, who: AccountRow | Holder | None,
                   now: datetime) -> None:
    """Count one wrong password; when it starts a lock, mail the holder (once) and audit it."""
    holder = account_holder(session, who) if isinstance(who, AccountRow) else who
    if holder is not None:
        # One sign-in of this holder at a time from here on.
        holder.lock()
        if locked_until(session, email_key, now) is not None:
            return
    failures = LoginFailureRepository(session)
    failures.add(email_key, now)
    until = locked_until(session, email_key, now)
    if until is None or holder is None:
        return
    audit.record(session, actor="system", action=f"{holder.entity_type}.locked",
                 entity_type=holder.entity_type, entity_id=holder.id, before=None,
                 after={"locked_until": until.isoformat(), "failures": MAX_FAILURES}, now=now)
    place = "the console" if holder.entity_type == "staff" else "your account"
    mail.enqueue_mail(session, "notice", to=holder.email, now=now,
                      subject=f"Sign-in to {place} is locked", greeting_name=holder.name,
                      paragraphs=[(f"Someone entered a wrong password for {holder.email} "
                                  f"{MAX_FAILURES} times within "
                                  f"{int(WINDOW.total_seconds() // 60)} minutes, so sign-in is "
                                  f"locked until {human_time(until)}."),
                                  ("If it was you, wait until then and try again. If it was not, "
                                  "nobody got in: the lock stopped the guessing. Choose a long "
                                  "password that you use nowhere else.")])


def record_success(session: Session, email_key: str) -> None:
    LoginFailureRepository(session).clear(email_key)


@job("prune_login_failures", order=900)
def prune(ctx: object, session: Session, now: datetime) -> int:
    """Failures older than any lock they could still impose are of no more use."""
    return LoginFailureRepository(session).prune(now - WINDOW - LOCK)
