"""Queries of migration requests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from licensor.marketplace.models import MigrationRequestRow


class MigrationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: MigrationRequestRow) -> None:
        self.session.add(row)
        self.session.flush()

    def get(self, migration_id: str, *, for_update: bool = False) -> MigrationRequestRow | None:
        if for_update:
            return self.session.get(MigrationRequestRow, migration_id, with_for_update=True,
                                    populate_existing=True)
        return self.session.get(MigrationRequestRow, migration_id)

    def open_for_license(self, license_id: str, *,
                         for_update: bool = False) -> MigrationRequestRow | None:
        query = select(MigrationRequestRow).where(
            MigrationRequestRow.open_license_id == license_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def for_license(self, license_id: str) -> Sequence[MigrationRequestRow]:
        return self.session.scalars(
            select(MigrationRequestRow).where(MigrationRequestRow.license_id == license_id)
            .order_by(MigrationRequestRow.created_at, MigrationRequestRow.id)).all()

    def page(self, statuses: Sequence[str] | None, *, limit: int,
             after: tuple[datetime, str] | None = None) -> Sequence[MigrationRequestRow]:
        """Oldest first; `after` is the (created_at, id) of the last row already seen."""
        query = select(MigrationRequestRow).order_by(MigrationRequestRow.created_at,
                                                     MigrationRequestRow.id)
        if statuses:
            query = query.where(MigrationRequestRow.status.in_(list(statuses)))
        if after is not None:
            at, last_id = after
            query = query.where(or_(MigrationRequestRow.created_at > at,
                                    and_(MigrationRequestRow.created_at == at,
                                         MigrationRequestRow.id > last_id)))
        return self.session.scalars(query.limit(limit)).all()


class MigrationReadRepository:
    """What other capabilities read of migration requests (marketplace.queries)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def of_licenses(self, license_ids: list[str]) -> list[MigrationRequestRow]:
        return list(self.session.scalars(
            select(MigrationRequestRow).where(MigrationRequestRow.license_id.in_(license_ids))
            .order_by(MigrationRequestRow.created_at)))

    def count_in(self, statuses: tuple[str, ...]) -> int:
        return int(self.session.scalar(select(func.count()).select_from(MigrationRequestRow)
                                       .where(MigrationRequestRow.status.in_(statuses))) or 0)
