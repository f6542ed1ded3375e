"""Queries of the foundation's tables. Services call these; they never build SQL themselves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from licensor.core.models import SigningKeyRow
from licensor.licenses.models import (
    LicenseRow,
    LostKeyMailRow,
    RegistrationRow,
    RevocationListRow,
)


class LicenseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, license_id: str) -> LicenseRow | None:
        return self.session.get(LicenseRow, license_id)

    def get_for_update(self, license_id: str) -> LicenseRow | None:
        """The row, locked until commit (PostgreSQL row lock; SQLite writers are serialized)."""
        return self.session.get(LicenseRow, license_id, with_for_update=True,
                                populate_existing=True)

    def status_of(self, license_id: str) -> tuple[str, str | None, int] | None:
        """(status, superseded_by, issued_at unix) without loading the row: the validate path."""
        row = self.session.execute(
            select(LicenseRow.status, LicenseRow.superseded_by, LicenseRow.issued_at)
            .where(LicenseRow.id == license_id)).first()
        if row is None:
            return None
        return row[0], row[1], int(row[2].timestamp())

    def search(self, *, email: str | None = None, product: str | None = None,
               q: str | None = None, limit: int = 50,
               after_id: str | None = None) -> Sequence[LicenseRow]:
        query = select(LicenseRow).order_by(LicenseRow.id)
        if email:
            query = query.where(func.lower(LicenseRow.email) == email.lower())
        if product:
            query = query.where(LicenseRow.product == product)
        if q:
            # autoescape: a % or _ in the search is that character, not a LIKE wildcard
            text = q.lower()
            query = query.where(or_(func.lower(LicenseRow.license_name).contains(
                                        text, autoescape=True),
                                    func.lower(LicenseRow.email).contains(text, autoescape=True),
                                    LicenseRow.id == q, LicenseRow.sen == q))
        if after_id:
            query = query.where(LicenseRow.id > after_id)
        return self.session.scalars(query.limit(limit)).all()

    def supersedes(self, license_id: str) -> str | None:
        """The license this one superseded (an upgrade), without loading the row."""
        return self.session.scalar(select(LicenseRow.supersedes)
                                   .where(LicenseRow.id == license_id))

    def active_by_email(self, email: str) -> Sequence[LicenseRow]:
        return self.session.scalars(
            select(LicenseRow).where(func.lower(LicenseRow.email) == email.lower(),
                                     LicenseRow.status == "active")
            .order_by(LicenseRow.purchased_at)).all()


class RegistrationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def for_license(self, license_id: str) -> Sequence[RegistrationRow]:
        return self.session.scalars(
            select(RegistrationRow).where(RegistrationRow.license_id == license_id)
            .order_by(RegistrationRow.created_at, RegistrationRow.id)).all()

    def find(self, license_id: str, user_key: str) -> RegistrationRow | None:
        return self.session.scalars(
            select(RegistrationRow).where(RegistrationRow.license_id == license_id,
                                          RegistrationRow.user_key == user_key)).first()

    def count(self, license_id: str) -> int:
        return self.session.scalar(select(func.count()).select_from(RegistrationRow)
                                   .where(RegistrationRow.license_id == license_id)) or 0


class LostKeyMailRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def count_since(self, email_key: str, since: datetime) -> int:
        return int(self.session.scalar(
            select(func.count()).select_from(LostKeyMailRow)
            .where(LostKeyMailRow.email_key == email_key, LostKeyMailRow.sent_at > since)) or 0)

    def add(self, email_key: str, sent_at: datetime) -> None:
        self.session.add(LostKeyMailRow(email_key=email_key, sent_at=sent_at))
        self.session.flush()

    def prune(self, before: datetime) -> int:
        result = self.session.execute(delete(LostKeyMailRow)
                                      .where(LostKeyMailRow.sent_at < before))
        return int(getattr(result, "rowcount", 0) or 0)


class RevocationListRepository:
    """The one row of the signed revocation list, and the ids it lists."""

    ROW_ID = 1

    def __init__(self, session: Session) -> None:
        self.session = session

    def state(self) -> tuple[int, int, datetime | None, str | None] | None:
        """(changes, signed_changes, issued_at, status of the signing key) without the
        document: what a server reads to know whether its copy is current."""
        row = self.session.execute(
            select(RevocationListRow.changes, RevocationListRow.signed_changes,
                   RevocationListRow.issued_at, SigningKeyRow.status)
            .outerjoin(SigningKeyRow, SigningKeyRow.kid == RevocationListRow.kid)
            .where(RevocationListRow.id == self.ROW_ID)).first()
        return None if row is None else (row[0], row[1], row[2], row[3])

    def document(self) -> str | None:
        return self.session.scalar(select(RevocationListRow.document)
                                   .where(RevocationListRow.id == self.ROW_ID))

    def get_for_update(self) -> RevocationListRow | None:
        return self.session.get(RevocationListRow, self.ROW_ID, with_for_update=True,
                                populate_existing=True)

    def create(self) -> RevocationListRow:
        """The row, inserted in a savepoint; if another process inserted it first, theirs."""
        try:
            with self.session.begin_nested():
                self.session.add(RevocationListRow(id=self.ROW_ID, changes=0,
                                                   signed_changes=-1, sequence=0))
        except IntegrityError:
            pass
        row = self.get_for_update()
        assert row is not None
        return row

    def count_change(self) -> None:
        """One more change for the list to show (no row yet: the first document shows it)."""
        self.session.execute(update(RevocationListRow)
                             .where(RevocationListRow.id == self.ROW_ID)
                             .values(changes=RevocationListRow.changes + 1))

    def revoked_license_ids(self) -> list[str]:
        return list(self.session.scalars(select(LicenseRow.id)
                                          .where(LicenseRow.status == "revoked")
                                          .order_by(LicenseRow.id)))
