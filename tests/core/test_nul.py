"""NUL characters (U+0000) are refused in every request, on SQLite as on PostgreSQL (which cannot
store them): 422 INVALID_REQUEST naming the field, and nothing written."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from licensor.accounts.models import AccountRow
from licensor.core.context import Context
from licensor.licenses.models import LicenseRow
from tests.builders import create_license
from tests.portal.helpers import post

JSON = {"Content-Type": "application/json"}


def refused(r, field: str) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert (error["code"], error["details"]["field"]) == ("INVALID_REQUEST", field)
    assert "NUL" in error["message"] and "remove it" in error["message"]


def count(ctx: Context, model: type) -> int:
    with ctx.db.reader() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize("key", [None, "nul-1"])
def test_a_nul_in_a_json_field_is_refused(client: TestClient, ctx: Context, admin,
                                          key: str | None) -> None:
    headers = {**admin, **({"Idempotency-Key": key} if key else {})}
    r = client.post("/v1/licenses", json={"product": "desktop", "seats": 3,
                                          "license_name": "Acme\x00 Inc",
                                          "email": "a@acme.test"}, headers=headers)
    refused(r, "license_name")
    r = client.post("/v1/accounts", json={"email": "ana@acme.test", "name": "Ana",
                                          "password": "pass\x00word"})
    refused(r, "password")
    assert count(ctx, LicenseRow) == 0 and count(ctx, AccountRow) == 0


def test_a_nul_anywhere_in_json_is_found(client: TestClient, admin) -> None:
    r = client.put("/v1/products/nul-product", content=b'{"code": "x", "plans": [{"n\\u0000": 1}]}',
                   headers={**admin, **JSON})
    refused(r, "plans.0.n")
    # An escaped backslash followed by "u0000" is no NUL: the route answers as usual.
    r = client.post("/v1/accounts", content=b'{"email": "ana@acme.test", "name": "A\\\\u0000", '
                    b'"password": "secret-pass"}', headers=JSON)
    assert r.status_code == 201, r.text


def test_a_nul_on_the_validate_hot_path_is_refused(client: TestClient, ctx: Context) -> None:
    row = create_license(ctx, license_name="Acme Inc")
    r = client.post("/v1/licenses/validate", json={"license_name": "Acme Inc\x00",
                                                   "license_key": row.license_key})
    refused(r, "license_name")


def test_a_nul_in_the_query_or_path_is_refused(client: TestClient, admin) -> None:
    refused(client.get("/v1/licenses?q=ac%00me", headers=admin), "q")
    refused(client.get("/v1/licenses", params={"email": "a\x00@b.c"}, headers=admin), "email")
    refused(client.get("/v1/licenses/lic_%00", headers=admin), "path")


def test_a_nul_in_a_portal_form_is_refused(client: TestClient, ctx: Context) -> None:
    r = post(client, "/signup", {"name": "Ana\x00", "email": "ana@acme.test",
                                 "password": "secret-pass"}, token_from="/signup")
    assert r.status_code == 422, r.text
    assert "NUL" in r.text
    assert count(ctx, AccountRow) == 0
