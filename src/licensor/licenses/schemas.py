"""JSON shapes of the licenses API (as /openapi.json gives them), built from rows. Times are RFC 3339 UTC with a Z."""

from __future__ import annotations

from typing import Any

from licensor.core.web.views import iso
from licensor.licenses.models import LicenseRow, RegistrationRow


def registration_view(reg: RegistrationRow) -> dict[str, Any]:
    return {"id": reg.id, "user": reg.user, "license_id": reg.license_id,
            "created_at": iso(reg.created_at)}


def license_view(row: LicenseRow, registrations: list[RegistrationRow] | None = None
                 ) -> dict[str, Any]:
    regs = row.registrations if registrations is None else registrations
    return {
        "id": row.id, "product": row.product, "seats": row.seats,
        "license_name": row.license_name, "license_key": row.license_key, "email": row.email,
        "channel": row.channel, "sen": row.sen, "status": row.status,
        "superseded_by": row.superseded_by, "supersedes": row.supersedes,
        "maintenance_until": iso(row.maintenance_until), "major_version": row.major_version,
        "purchased_at": iso(row.purchased_at), "issued_at": iso(row.issued_at),
        "registrations": [registration_view(r) for r in regs],
    }
