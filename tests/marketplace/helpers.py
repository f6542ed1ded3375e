"""Builders for marketplace tests: a migration request body for a license."""

from __future__ import annotations

from typing import Any

from licensor.licenses.models import LicenseRow
from tests.builders import (
    license_info,
    outbox,  # noqa: F401  (re-exported for this folder)
)

ADDRESS = {"line1": "1 Harbour St", "city": "Bordeaux", "postal_code": "33000", "country": "FR"}


def migration_body(lic: LicenseRow, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        **license_info(lic), "hosting": "server", "server_user_tier": lic.seats,
        "agree_to_upgrade": False, "marketplace_email": "admin@acme.test",
        "holder_first_name": "Ada", "holder_last_name": "Lovelace", "organisation": "Acme Inc",
        "address": dict(ADDRESS)}
    body.update(overrides)
    return body


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    assert body["code"] == code, body
    assert body["message"]
    return body
