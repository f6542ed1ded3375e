"""What licenses answers other capabilities about its tables (they never query them): each
function runs the licenses repository's query and answers with rows or plain values."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from licensor.licenses.models import LicenseRow
from licensor.licenses.repository import LicenseRepository

# More links than any real history has: a loop in the data is not followed forever.
MAX_LINEAGE = 1000


def lineage(session: Session, license_id: str) -> list[str]:
    """The ids of the license and of every license it superseded, newest first.

    A license's lineage is the license, the license it superseded (an upgrade issues a new one
    that supersedes the old), and so on back to the first one."""
    repository = LicenseRepository(session)
    ids = [license_id]
    current: str | None = license_id
    while len(ids) < MAX_LINEAGE:
        current = repository.supersedes(current) if current is not None else None
        if current is None or current in ids:
            break
        ids.append(current)
    return ids


def lineage_root(session: Session, license_id: str) -> str:
    """The first license of the lineage: what "once per license" is counted on, so an upgrade
    (a new license superseding the old) is the same license for it."""
    return lineage(session, license_id)[-1]


def by_ids(session: Session, ids: Sequence[str]) -> list[LicenseRow]:
    return LicenseRepository(session).by_ids(ids)


def predecessors(session: Session, license_id: str) -> list[LicenseRow]:
    """The licenses this one replaced."""
    return LicenseRepository(session).predecessors(license_id)


def license_id_with_sen(session: Session, sen: str) -> str | None:
    """The license that carries this marketplace license number, if any."""
    return LicenseRepository(session).id_with_sen(sen)


def console_matching(session: Session, text: str, limit: int) -> list[LicenseRow]:
    """The console's search: license name (contains), email (exact), SEN or id; any case."""
    return LicenseRepository(session).console_matching(text, limit)


def sens_taken(session: Session, sens: Iterable[str]) -> set[str]:
    """Which of these marketplace license numbers a license already carries."""
    return LicenseRepository(session).sens_taken(sens)


def insert_many(session: Session, values: Sequence[dict[str, Any]]) -> None:
    """Insert licenses already checked and signed (a bulk import's batch), in one statement."""
    LicenseRepository(session).insert_many(values)


def key_information(session: Session, ids: Sequence[str]) -> dict[str, Any]:
    """id -> (id, product, seats, license_name, email, sen, license_key) of those licenses."""
    return LicenseRepository(session).key_information(ids)


def maintenance_ending_by(session: Session, horizon: datetime,
                          unless: Callable[[Any, Any], ColumnElement[bool]]
                          ) -> Sequence[LicenseRow]:
    """Active direct licenses whose maintenance ends by `horizon` (after their key was
    issued), locked, except those for which `unless(license id column, maintenance end column)`
    holds: maintenance passes its correlated "reminder already sent" condition."""
    return LicenseRepository(session).maintenance_ending_by(horizon, unless)


def new_per_month(session: Session, since: datetime) -> list[tuple[str, int]]:
    """('YYYY-MM', count) of licenses issued since `since` that replace none."""
    return LicenseRepository(session).new_per_month(since)
