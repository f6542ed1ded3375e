"""JSON shape of a migration request as the API shows it (also webhooks' `data`)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from licensor.core.web.openapi import Answer, Timestamp, example
from licensor.core.web.views import iso
from licensor.licenses.schemas import License, license_view
from licensor.licenses.service import LicenseRow
from licensor.marketplace.models import MigrationRequestRow


def migration_view(row: MigrationRequestRow,
                   lic: LicenseRow | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": row.id, "status": row.status, "required_seats": row.required_seats,
        "license_id": row.license_id, "requested_license_id": row.requested_license_id,
        "product": row.product, "hosting": row.hosting, "license_seats": row.license_seats,
        "server_user_tier": row.server_user_tier, "marketplace_email": row.marketplace_email,
        "holder_first_name": row.holder_first_name, "holder_last_name": row.holder_last_name,
        "organisation": row.organisation, "address": row.address, "sen": row.sen,
        "reason": row.reason, "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at), "closed_at": iso(row.closed_at),
    }
    if lic is not None:
        view["license"] = license_view(lic, [])
    return view


# -- answers ----------------------------------------------------------------------------------

MIGRATION_EXAMPLE = {
    "id": "mig_2Wd8", "status": "pending", "required_seats": 10, "license_id": "lic_5fQ1",
    "requested_license_id": "lic_5fQ1", "product": "confluence", "hosting": "server",
    "license_seats": 10, "server_user_tier": 10, "marketplace_email": "it@acme.example",
    "holder_first_name": "Ana", "holder_last_name": "Diaz", "organisation": "Acme Inc",
    "address": {"line1": "1 Main St", "city": "Springfield", "postal_code": "12345",
                "country": "US"},
    "sen": None, "reason": None, "created_at": "2026-01-15T09:30:00Z",
    "updated_at": "2026-01-15T09:30:00Z", "closed_at": None}


class Migration(Answer):
    id: str
    status: str = Field(description="pending, awaiting_upgrade, completed or rejected")
    required_seats: int | None
    license_id: str | None
    requested_license_id: str | None
    product: str | None
    hosting: str
    license_seats: int | None
    server_user_tier: int | None
    marketplace_email: str
    holder_first_name: str
    holder_last_name: str
    organisation: str
    address: dict[str, Any]
    sen: str | None
    reason: str | None
    created_at: Timestamp | None
    updated_at: Timestamp | None
    closed_at: Timestamp | None
    license: License | None = Field(default=None, description="Present once completed: the "
                                    "license as it now stands")

    model_config = example(MIGRATION_EXAMPLE)


class MigrationList(Answer):
    data: list[Migration]
    next_cursor: str | None

    model_config = example({"data": [MIGRATION_EXAMPLE], "next_cursor": None})
