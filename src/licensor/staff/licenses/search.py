"""Find anything from the console: one box takes a license name, pasted License Information
(any formatting), an email, a SEN or an order number; a license's dossier gathers its lineage,
registrations, orders, migration requests and audit trail."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from licensor.core.models import AuditRow
from licensor.licenses import queries as license_queries
from licensor.licenses import service as licenses
from licensor.licenses.pasted import read_pasted
from licensor.licenses.service import LicenseRow
from licensor.marketplace import queries as marketplace_queries
from licensor.marketplace.service import MigrationRequestRow
from licensor.orders import queries as order_queries
from licensor.orders.service import OrderRow
from licensor.staff.repository import ConsoleSearchRepository
from licensor.verify import MalformedKey, key_bytes, parse

RESULTS = 50


def license_id_of_key(text: str) -> str | None:
    """The license id a pasted key names (its claims), however it was broken or labelled; None
    when the text is no key. The signature is not checked: this only finds the row, and the
    license page shows whether the key is the license's current one."""
    _name, key = read_pasted("", text)
    if len(key) < 40:  # shorter than any key: a name, email, SEN or order number
        return None
    try:
        claims = parse(key_bytes(key))[2]
    except (MalformedKey, ValueError, IndexError):
        return None
    return claims.license_id


def search(session: Session, text: str) -> list[LicenseRow]:
    text = text.strip()
    if not text:
        return []
    found: dict[str, LicenseRow] = {}
    by_key = license_id_of_key(text)
    ids = ([by_key] if by_key else []) + order_queries.license_ids_of_order(session, text)
    for row in license_queries.by_ids(session, ids):
        found[row.id] = row
    for row in license_queries.console_matching(session, text, RESULTS):
        found.setdefault(row.id, row)
    return list(found.values())[:RESULTS]


@dataclass
class Dossier:
    license: LicenseRow
    superseded: list[LicenseRow]  # what this license replaced (its predecessors)
    successor: LicenseRow | None  # what replaced it
    current_id: str  # the license that stands now, following every replacement
    orders: list[OrderRow]
    migrations: list[MigrationRequestRow]
    audit: list[AuditRow] = field(default_factory=list)


def dossier(session: Session, license_id: str) -> Dossier:
    """404 LICENSE_NOT_FOUND for an unknown id."""
    row = licenses.get_license(session, license_id)
    repo = ConsoleSearchRepository(session)
    superseded = license_queries.predecessors(session, row.id)
    successor = licenses.get_license(session, row.superseded_by) if row.superseded_by else None
    orders = order_queries.orders_of_licenses(session, [row.id])
    migrations = marketplace_queries.migrations_of_licenses(session, [row.id])
    entity_ids = [row.id, *(o.id for o in orders), *(m.id for m in migrations)]
    return Dossier(license=row, superseded=superseded, successor=successor,
                   current_id=licenses.final_successor(session, row.id), orders=orders,
                   migrations=migrations, audit=repo.audit_of(entity_ids))
