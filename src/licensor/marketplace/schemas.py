"""JSON shape of a migration request as the API shows it (also webhooks' `data`)."""

from __future__ import annotations

from typing import Any

from licensor.core.web.views import iso
from licensor.licenses.models import LicenseRow
from licensor.licenses.schemas import license_view
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
