"""Queries of bulk imports (import_jobs, import_job_rows); the licenses they insert are
inserted by licenses (licenses.queries.insert_many)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from licensor.bulk.models import ImportJobRow, ImportJobRowRow


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

    def insert_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        """One executemany: the CSV rows a batch of licenses came from."""
        self.session.connection().execute(insert(ImportJobRowRow.__table__),  # type: ignore[arg-type]
                                          rows)

    def licenses_of(self, job_id: str) -> list[tuple[int, str]]:
        """(row number, license id) of the job's rows, in row order."""
        return [(n, i) for n, i in self.session.execute(
            select(ImportJobRowRow.row_number, ImportJobRowRow.license_id)
            .where(ImportJobRowRow.job_id == job_id)
            .order_by(ImportJobRowRow.row_number))]
