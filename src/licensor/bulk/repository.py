"""Queries of bulk imports (import_jobs, import_job_rows) and the bulk inserts they make."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from licensor.bulk.models import ImportJobRow, ImportJobRowRow
from licensor.licenses.service import LicenseRow


class ImportJobRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, kind: str, channel: str, source_sha256: str) -> ImportJobRow | None:
        return self.session.scalars(select(ImportJobRow).where(
            ImportJobRow.kind == kind, ImportJobRow.channel == channel,
            ImportJobRow.source_sha256 == source_sha256)).first()

    def get_for_update(self, job_id: str) -> ImportJobRow | None:
        return self.session.get(ImportJobRow, job_id, with_for_update=True)

    def imported_rows(self, job_id: str) -> set[int]:
        return set(self.session.scalars(select(ImportJobRowRow.row_number)
                                        .where(ImportJobRowRow.job_id == job_id)))

    def count_rows(self, job_id: str) -> int:
        return int(self.session.scalar(select(func.count()).select_from(ImportJobRowRow)
                                       .where(ImportJobRowRow.job_id == job_id)) or 0)

    def existing_sens(self, sens: Iterable[str], chunk: int = 500) -> set[str]:
        wanted, found = list(sens), set[str | None]()
        for start in range(0, len(wanted), chunk):
            found.update(self.session.scalars(select(LicenseRow.sen).where(
                LicenseRow.sen.in_(wanted[start:start + chunk]))))
        return {s for s in found if s is not None}

    def insert_licenses(self, licenses: Sequence[dict[str, Any]],
                        rows: Sequence[dict[str, Any]]) -> None:
        """One executemany per table: a batch of licenses and the CSV rows they came from (Core
        inserts on the session's connection: the ORM's bulk path costs twice as much here)."""
        conn = self.session.connection()
        conn.execute(insert(LicenseRow.__table__), licenses)  # type: ignore[arg-type]
        conn.execute(insert(ImportJobRowRow.__table__), rows)  # type: ignore[arg-type]

    def license_information(self, job_id: str) -> Sequence[Any]:
        return self.session.execute(
            select(ImportJobRowRow.row_number, LicenseRow.id, LicenseRow.product,
                   LicenseRow.seats, LicenseRow.license_name, LicenseRow.email, LicenseRow.sen,
                   LicenseRow.license_key)
            .join(LicenseRow, LicenseRow.id == ImportJobRowRow.license_id)
            .where(ImportJobRowRow.job_id == job_id)
            .order_by(ImportJobRowRow.row_number)).all()
