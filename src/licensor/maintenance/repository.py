"""Queries of releases and maintenance reminders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from licensor.licenses.service import LicenseRow
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

    def licenses_ending_by(self, horizon: datetime, kind_last: str) -> Sequence[LicenseRow]:
        """Active direct licenses whose maintenance ends by `horizon`, whose current end came
        after their key was issued (an end already past when it was set is never reminded),
        and whose last reminder (`kind_last`) for that end has not gone out yet."""
        sent_last = exists().where(
            MaintenanceReminderRow.license_id == LicenseRow.id,
            MaintenanceReminderRow.maintenance_until == LicenseRow.maintenance_until,
            MaintenanceReminderRow.kind == kind_last)
        return self.session.scalars(
            select(LicenseRow).where(
                LicenseRow.status == "active", LicenseRow.channel == "direct",
                LicenseRow.maintenance_until.is_not(None),
                LicenseRow.maintenance_until <= horizon,
                LicenseRow.maintenance_until > LicenseRow.issued_at,
                ~sent_last)
            .order_by(LicenseRow.maintenance_until, LicenseRow.id)
            # Locked, so of two concurrent runs the second waits and then sees the reminders
            # the first recorded (PostgreSQL; SQLite writers are serialized anyway).
            .with_for_update(of=LicenseRow)).all()

    def kinds_sent(self, license_id: str, maintenance_until: datetime) -> set[str]:
        return set(self.session.scalars(
            select(MaintenanceReminderRow.kind).where(
                MaintenanceReminderRow.license_id == license_id,
                MaintenanceReminderRow.maintenance_until == maintenance_until)))

    def for_license(self, license_id: str) -> Sequence[MaintenanceReminderRow]:
        return self.session.scalars(
            select(MaintenanceReminderRow).where(MaintenanceReminderRow.license_id == license_id)
            .order_by(MaintenanceReminderRow.due_at, MaintenanceReminderRow.id)).all()
