"""What marketplace answers other capabilities about migration requests (the console reads
through these; it never queries the table)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from licensor.marketplace.models import MigrationRequestRow
from licensor.marketplace.repository import MigrationReadRepository
from licensor.marketplace.rules import OPEN_STATUSES


def migrations_of_licenses(session: Session, license_ids: list[str]) -> list[MigrationRequestRow]:
    """The migration requests of these licenses, oldest first."""
    return MigrationReadRepository(session).of_licenses(license_ids)


def open_migrations(session: Session) -> int:
    """How many migration requests are still open (rules.OPEN_STATUSES)."""
    return MigrationReadRepository(session).count_in(OPEN_STATUSES)
