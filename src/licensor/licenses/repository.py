"""Queries of the foundation's tables. Services call these; they never build SQL themselves."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from licensor.core.models import SigningKeyRow
from licensor.core.repository import month_key, month_of
from licensor.licenses.enums import LicenseStatus
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

    def by_ids(self, ids: Sequence[str]) -> list[LicenseRow]:
        if not ids:
            return []
        return list(self.session.scalars(select(LicenseRow).where(LicenseRow.id.in_(ids))))

    def predecessors(self, license_id: str) -> list[LicenseRow]:
        """The licenses this one replaced (their superseded_by names it)."""
        return list(self.session.scalars(select(LicenseRow)
                                         .where(LicenseRow.superseded_by == license_id)))

    def id_with_sen(self, sen: str) -> str | None:
        return self.session.scalar(select(LicenseRow.id).where(LicenseRow.sen == sen).limit(1))

    def console_matching(self, text: str, limit: int) -> list[LicenseRow]:
        """By license name (contains, any case), email (exact, any case), SEN or id; newest
        first."""
        folded = text.casefold()
        pattern = "%" + folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = (select(LicenseRow)
                 .where(or_(func.lower(LicenseRow.license_name).like(pattern, escape="\\"),
                            func.lower(LicenseRow.email) == folded,
                            LicenseRow.sen == text, LicenseRow.id == text))
                 .order_by(LicenseRow.created_at.desc()).limit(limit))
        return list(self.session.scalars(query))

    def sens_taken(self, sens: Iterable[str], chunk: int = 500) -> set[str]:
        wanted, found = list(sens), set[str | None]()
        for start in range(0, len(wanted), chunk):
            found.update(self.session.scalars(select(LicenseRow.sen).where(
                LicenseRow.sen.in_(wanted[start:start + chunk]))))
        return {s for s in found if s is not None}

    def insert_many(self, values: Sequence[dict[str, Any]]) -> None:
        """One executemany (a Core insert on the session's connection: the ORM's bulk path
        costs twice as much for a bulk import)."""
        self.session.connection().execute(insert(LicenseRow.__table__),  # type: ignore[arg-type]
                                          values)

    def key_information(self, ids: Sequence[str], chunk: int = 500) -> dict[str, Any]:
        """id -> (id, product, seats, license_name, email, sen, license_key) of those licenses."""
        found: dict[str, Any] = {}
        for start in range(0, len(ids), chunk):
            found.update((r.id, r) for r in self.session.execute(
                select(LicenseRow.id, LicenseRow.product, LicenseRow.seats,
                       LicenseRow.license_name, LicenseRow.email, LicenseRow.sen,
                       LicenseRow.license_key)
                .where(LicenseRow.id.in_(ids[start:start + chunk]))))
        return found

    def maintenance_ending_by(self, horizon: datetime, unless: Callable[
            [Any, Any], ColumnElement[bool]]) -> Sequence[LicenseRow]:
        """Active direct licenses whose maintenance ends by `horizon`, whose current end came
        after their key was issued, and for which `unless(license id, maintenance end)` (a
        correlated condition of the caller's) does not hold; locked."""
        return self.session.scalars(
            select(LicenseRow).where(
                LicenseRow.status == "active", LicenseRow.channel == "direct",
                LicenseRow.maintenance_until.is_not(None),
                LicenseRow.maintenance_until <= horizon,
                LicenseRow.maintenance_until > LicenseRow.issued_at,
                ~unless(LicenseRow.id, LicenseRow.maintenance_until))
            .order_by(LicenseRow.maintenance_until, LicenseRow.id)
            # Locked, so of two concurrent runs the second waits and then sees what the first
            # recorded (PostgreSQL; SQLite writers are serialized anyway).
            .with_for_update(of=LicenseRow)).all()

    def new_per_month(self, since: datetime) -> list[tuple[str, int]]:
        """Licenses issued per month that replace none (upgrades and renewals re-issue)."""
        month = month_of(self.session, LicenseRow.created_at)
        rows = self.session.execute(
            select(month, func.count()).where(LicenseRow.created_at >= since,
                                              LicenseRow.supersedes.is_(None))
            .group_by(month))
        return [(month_key(m), int(n)) for m, n in rows]

    def active_by_email(self, email: str) -> Sequence[LicenseRow]:
        return self.session.scalars(
            select(LicenseRow).where(func.lower(LicenseRow.email) == email.lower(),
                                     LicenseRow.status == LicenseStatus.ACTIVE)
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
                                          .where(LicenseRow.status == LicenseStatus.REVOKED)
                                          .order_by(LicenseRow.id)))
