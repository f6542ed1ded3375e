"""JSON shape of a migration request as the API shows it (also webhooks' `data`)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from licensor.core.web.openapi import Answer, Timestamp, example
from licensor.licenses.schemas import License
from licensor.licenses.service import LicenseRow
from licensor.marketplace.models import MigrationRequestRow


def migration_view(row: MigrationRequestRow,
                   lic: LicenseRow | None = None) -> dict[str, Any]:
    """The Migration answer; with the license once completed (`lic`)."""
    completed = {} if lic is None else {"license": License.view(lic, registrations=[])}
    return Migration.view(row, **completed)


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
    not_from_row: ClassVar[frozenset[str]] = frozenset({"license"})

    model_config = example(MIGRATION_EXAMPLE)


class MigrationList(Answer):
    data: list[Migration]
    next_cursor: str | None

    model_config = example({"data": [MIGRATION_EXAMPLE], "next_cursor": None})
