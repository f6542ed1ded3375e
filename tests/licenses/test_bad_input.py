"""Licenses refuse what a probe of bad input sends: LIKE wildcards in the admin search are
literal characters."""

from __future__ import annotations

from fastapi.testclient import TestClient

from licensor.core.context import Context
from tests.builders import create_license


def _names(client: TestClient, admin: dict[str, str], q: str) -> set[str]:
    r = client.get("/v1/licenses", params={"q": q}, headers=admin)
    assert r.status_code == 200, r.text
    return {lic["license_name"] for lic in r.json()["data"]}


def test_search_wildcards_are_literal(client: TestClient, ctx: Context, admin) -> None:
    for name in ("Acme 100% Ltd", "Plain Ltd", "Under_Score Inc", "UnderXScore Inc",
                 "Back\\slash Co"):
        create_license(ctx, license_name=name, email="x@acme.test")
    assert _names(client, admin, "%") == {"Acme 100% Ltd"}
    assert _names(client, admin, "0%") == {"Acme 100% Ltd"}
    assert _names(client, admin, "under_") == {"Under_Score Inc"}
    assert _names(client, admin, "_") == {"Under_Score Inc"}
    assert _names(client, admin, "\\") == {"Back\\slash Co"}
    assert _names(client, admin, "ltd") == {"Acme 100% Ltd", "Plain Ltd"}
