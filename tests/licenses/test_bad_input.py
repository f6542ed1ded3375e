"""Licenses refuse what a probe of bad input sends: LIKE wildcards in the admin search are
literal characters."""

from __future__ import annotations

import json

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


def test_a_license_name_outside_unicode_14_is_refused_at_issue(client: TestClient,
                                                                admin) -> None:
    for name, code_point in (("Rams\ua7cb Ltd", "U+A7CB"), ("Acme \U0001e030", "U+1E030")):
        r = client.post("/v1/licenses", json={"product": "desktop", "seats": 3,
                                              "license_name": name, "email": "a@acme.test"},
                        headers=admin)
        assert r.status_code == 422, r.text
        error = r.json()["error"]
        assert error["code"] == "INVALID_REQUEST"
        assert error["details"] == {"field": "license_name", "character": code_point}
        assert code_point in error["message"] and "leave it out" in error["message"]


def test_validating_a_name_outside_unicode_14_is_a_name_mismatch(client: TestClient,
                                                                 ctx: Context) -> None:
    row = create_license(ctx, license_name="Rams Ltd")
    # A lone surrogate is no character either: JSON can carry one, the API refuses it.
    for name, status, code in (("Rams\ua7cb Ltd", 200, "NAME_MISMATCH"),
                               ("Rams\ud800 Ltd", 422, "INVALID_REQUEST")):
        body = ('{"license_name": %s, "license_key": "%s"}'
                % (json.dumps(name), row.license_key)).encode()
        r = client.post("/v1/licenses/validate", content=body,
                        headers={"Content-Type": "application/json"})
        assert r.status_code == status, r.text
        assert (r.json()["code"] if status == 200 else r.json()["error"]["code"]) == code
