"""What licenses answers other capabilities about its tables (they never query them): each
function runs the licenses repository's query and answers with rows or plain values."""

from __future__ import annotations

from sqlalchemy.orm import Session

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
