"""Every query of the abuse defences: failed sign-ins, lost-key mails, sessions, admin tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from licensor.accounts.models import AccountRow, AccountTokenRow, LoginFailureRow


class LoginFailureRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def latest(self, email_key: str, since: datetime, limit: int) -> list[datetime]:
        """The times of the newest `limit` failures since `since`, newest first."""
        return list(self.session.scalars(
            select(LoginFailureRow.at)
            .where(LoginFailureRow.email_key == email_key, LoginFailureRow.at >= since)
            .order_by(LoginFailureRow.at.desc(), LoginFailureRow.id.desc()).limit(limit)))

    def add(self, email_key: str, at: datetime) -> None:
        self.session.add(LoginFailureRow(email_key=email_key, at=at))
        self.session.flush()

    def clear(self, email_key: str) -> None:
        self.session.execute(delete(LoginFailureRow)
                             .where(LoginFailureRow.email_key == email_key))

    def prune(self, before: datetime) -> int:
        result = self.session.execute(delete(LoginFailureRow)
                                      .where(LoginFailureRow.at < before))
        return int(getattr(result, "rowcount", 0) or 0)


class AccountSessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_hash(self, token_hash: str) -> tuple[AccountTokenRow, AccountRow] | None:
        row = self.session.execute(
            select(AccountTokenRow, AccountRow)
            .join(AccountRow, AccountTokenRow.account_id == AccountRow.id)
            .where(AccountTokenRow.token_hash == token_hash)).first()
        return None if row is None else (row[0], row[1])

    def live_for_account(self, account_id: str) -> list[AccountTokenRow]:
        return list(self.session.scalars(
            select(AccountTokenRow).where(AccountTokenRow.account_id == account_id,
                                          AccountTokenRow.revoked_at.is_(None))))

    def lock_account(self, account_id: str) -> AccountRow | None:
        return self.session.get(AccountRow, account_id, with_for_update=True)


class AccountRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, account_id: str) -> AccountRow | None:
        return self.session.get(AccountRow, account_id)

    def by_ids(self, ids: set[str]) -> list[AccountRow]:
        return list(self.session.scalars(select(AccountRow)
                                         .where(AccountRow.id.in_(sorted(ids)))))

    def emails(self, ids: set[str]) -> dict[str, str]:
        rows = self.session.execute(select(AccountRow.id, AccountRow.email)
                                    .where(AccountRow.id.in_(sorted(ids)))).all()
        return {row[0]: row[1] for row in rows}

    def by_email(self, email: str) -> AccountRow | None:
        return self.session.scalars(
            select(AccountRow).where(AccountRow.email_key == email.strip().casefold())).first()

    def by_token_hash(self, token_hash: str) -> AccountRow | None:
        return self.session.scalars(
            select(AccountRow).join(AccountTokenRow, AccountTokenRow.account_id == AccountRow.id)
            .where(AccountTokenRow.token_hash == token_hash)).first()
