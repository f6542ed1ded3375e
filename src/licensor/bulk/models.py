"""Bulk imports and issues of licenses from CSV files: one job per file, one row per CSV row.

A job is keyed by what it does and the file's content (sha256), so running the same command on
the same file again resumes it. `import_job_rows` records which license each CSV row became,
committed in the same transaction as the license: a row is imported once, whatever happens.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from licensor.core.db import Base, UTCDateTime


class ImportJobRow(Base):
    __tablename__ = "import_jobs"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # import | bulk-issue
    channel: Mapped[str] = mapped_column(String(16))
    source_sha256: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(500))
    total_rows: Mapped[int] = mapped_column(Integer)
    done_rows: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))  # running | done
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("kind", "channel", "source_sha256",
                                       name="uq_import_jobs_source"),)


class ImportJobRowRow(Base):
    """CSV row `row_number` of job `job_id` became license `license_id`."""

    __tablename__ = "import_job_rows"
    job_id: Mapped[str] = mapped_column(String(40), ForeignKey("import_jobs.id"),
                                        primary_key=True)
    row_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    license_id: Mapped[str] = mapped_column(String(36), ForeignKey("licenses.id"), unique=True)
