"""Queries of releases and maintenance reminders."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session

from licensor.maintenance.models import MaintenanceReminderRow, ReleaseRow


class ReleaseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, product: str, version: str) -> ReleaseRow | None:
        return self.session.get(ReleaseRow, (product, version))

    def for_product(self, product: str) -> Sequence[ReleaseRow]:
        return self.session.scalars(select(ReleaseRow).where(ReleaseRow.product == product)
                                    .order_by(ReleaseRow.released_at, ReleaseRow.version)).all()

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(ReleaseRow)) or 0


class ReminderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    @staticmethod
    def sent(kind: str) -> Callable[[Any, Any], ColumnElement[bool]]:
        """The condition "the `kind` reminder for this maintenance end went out", correlated
        with a license's id and maintenance end (licenses.queries.maintenance_ending_by)."""
        def condition(license_id: Any, maintenance_until: Any) -> ColumnElement[bool]:
            return exists().where(MaintenanceReminderRow.license_id == license_id,
                                  MaintenanceReminderRow.maintenance_until == maintenance_until,
                                  MaintenanceReminderRow.kind == kind)
        return condition

    def kinds_sent(self, license_id: str, maintenance_until: datetime) -> set[str]:
        return set(self.session.scalars(
            select(MaintenanceReminderRow.kind).where(
                MaintenanceReminderRow.license_id == license_id,
                MaintenanceReminderRow.maintenance_until == maintenance_until)))

    def for_license(self, license_id: str) -> Sequence[MaintenanceReminderRow]:
        return self.session.scalars(
            select(MaintenanceReminderRow).where(MaintenanceReminderRow.license_id == license_id)
            .order_by(MaintenanceReminderRow.due_at, MaintenanceReminderRow.id)).all()
