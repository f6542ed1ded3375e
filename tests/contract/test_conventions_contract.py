"""The API's conventions (running, errors, paging, idempotency), checked over HTTP on every
endpoint they apply to."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.contract.helpers import BUYER, err, info, new_license

API_PATHS = [
    "/healthz", "/v1/accounts", "/v1/sessions", "/v1/products", "/v1/products/{code}",
    "/v1/products/{code}/upgrade-prices", "/v1/licenses", "/v1/licenses/{license_id}",
    "/v1/licenses/validate", "/v1/licenses/{license_id}/revoke", "/v1/licenses/lost-key",
    "/v1/signing-keys", "/v1/signing-keys/rotate", "/v1/registrations",
    "/v1/registrations/unregister", "/v1/licenses/{license_id}/registrations", "/v1/quotes",
    "/v1/orders", "/v1/orders/{order_id}/pay", "/v1/orders/{order_id}/mark-paid",
    "/v1/orders/{order_id}/refund", "/v1/orders/{order_id}",
    "/v1/products/{code}/releases/{version}", "/v1/products/{code}/releases",
    "/v1/updates/check", "/v1/migrations", "/v1/migrations/{migration_id}/complete",
    "/v1/sandbox/clock", "/v1/sandbox/clock/advance", "/v1/sandbox/outbox",
]


def test_health(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_openapi_publishes_every_path_and_docs(client: TestClient) -> None:
    r = client.get("/openapi.json")
    assert r.status_code == 200
    paths = {p.replace("{id}", "{x}") for p in r.json()["paths"]}
    normalised = {re.sub(r"\{[^}]+\}", "{}", p) for p in paths}
    missing = [p for p in API_PATHS if re.sub(r"\{[^}]+\}", "{}", p) not in normalised]
    assert not missing, missing
    docs = client.get("/docs")
    assert docs.status_code == 200 and "text/html" in docs.headers["content-type"]


def test_unknown_routes_are_404_not_found(client: TestClient) -> None:
    for path in ("/nope", "/v1/nope", "/v2/products", "/v1/products/desktop/nope/x"):
        assert err(client.get(path)) == (404, "NOT_FOUND"), path
    assert err(client.post("/v1/nope", json={})) == (404, "NOT_FOUND")


INVALID_BODIES: list[tuple[str, str, dict[str, Any], str, bool]] = [
    # (method, path, body with one field missing, the field, admin?)
    ("post", "/v1/licenses", {"product": "desktop", "seats": 1, "license_name": "A"},
     "email", True),
    ("post", "/v1/licenses/validate", {"license_key": "x"}, "license_name", False),
    ("post", "/v1/licenses/lost-key", {}, "email", False),
    ("post", "/v1/registrations", {"license_name": "A", "license_key": "x"}, "user", False),
    ("post", "/v1/registrations/unregister", {"license_name": "A", "user": "u"},
     "license_key", False),
    ("post", "/v1/quotes", {"product": "desktop", "seats": 1}, "kind", False),
    ("post", "/v1/quotes", {"kind": "new", "seats": 1}, "product", False),
    ("post", "/v1/quotes", {"kind": "upgrade", "license_name": "A", "seats": 2},
     "license_key", False),
    ("post", "/v1/quotes", {"kind": "renewal", "license_key": "x"}, "license_name", False),
    ("post", "/v1/orders", {"buyer": BUYER, "payment_method": "card"}, "quote_id", False),
    ("post", "/v1/orders", {"quote_id": "q", "buyer": {"email": "a@b.test"},
                            "payment_method": "card"}, "buyer.name", False),
    ("post", "/v1/updates/check", {"license_name": "A", "license_key": "x"}, "version", False),
    ("put", "/v1/products/desktop/releases/3.9.0", {}, "released_at", True),
    ("put", "/v1/sandbox/clock", {}, "now", True),
    ("post", "/v1/sandbox/clock/advance", {}, "seconds", True),
]


@pytest.mark.parametrize(("method", "path", "body", "field", "as_admin"), INVALID_BODIES)
def test_missing_field_is_422_invalid_request_naming_it(
        client: TestClient, admin: dict[str, str], method: str, path: str, body: dict[str, Any],
        field: str, as_admin: bool) -> None:
    headers = admin if as_admin else {}
    r = client.request(method.upper(), path, json=body, headers=headers)
    assert err(r) == (422, "INVALID_REQUEST"), r.text
    e = r.json()["error"]
    assert e["details"].get("field") == field, e
    assert field.split(".")[-1] in e["message"], e
    bad = client.request(method.upper(), path, content=b"{oops",
                         headers={**headers, "Content-Type": "application/json"})
    assert err(bad) == (422, "INVALID_REQUEST")


def test_ill_typed_field_is_422_naming_it(client: TestClient, admin: dict[str, str]) -> None:
    r = client.post("/v1/licenses", headers=admin, json={
        "product": "desktop", "seats": "many", "license_name": "A", "email": "a@b.test"})
    assert err(r) == (422, "INVALID_REQUEST")
    assert r.json()["error"]["details"]["field"] == "seats"
    r = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": "two"})
    assert err(r) == (422, "INVALID_REQUEST")
    assert r.json()["error"]["details"]["field"] == "seats"
    r = client.post("/v1/sandbox/clock/advance", json={"seconds": "soon"}, headers=admin)
    assert err(r) == (422, "INVALID_REQUEST")
    assert r.json()["error"]["details"]["field"] == "seconds"


ADMIN_CALLS = [
    ("put", "/v1/products/desktop", {}),
    ("post", "/v1/licenses", {"product": "desktop", "seats": 1, "license_name": "A",
                              "email": "a@b.test"}),
    ("get", "/v1/licenses", None), ("get", "/v1/licenses/lic_x", None),
    ("post", "/v1/licenses/lic_x/revoke", {"reason": "r"}),
    ("post", "/v1/signing-keys/rotate", None),
    ("get", "/v1/licenses/lic_x/registrations", None),
    ("post", "/v1/orders/o/mark-paid", None), ("post", "/v1/orders/o/refund", {}),
    ("get", "/v1/orders/o", None),
    ("put", "/v1/products/desktop/releases/3.9.0", {"released_at": "2026-01-01T00:00:00Z"}),
    ("post", "/v1/migrations/m/complete", {"sen": "SEN-1"}),
    ("put", "/v1/sandbox/clock", {"now": "2026-01-01T00:00:00Z"}),
    ("post", "/v1/sandbox/clock/advance", {"seconds": 1}),
    ("get", "/v1/sandbox/outbox", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
def test_admin_calls_without_token_are_401(client: TestClient, method: str, path: str,
                                           body: Any) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic eA=="}):
        r = client.request(method.upper(), path, json=body, headers=headers)
        assert err(r) == (401, "UNAUTHENTICATED"), (path, headers, r.text)


# -- Idempotency-Key on every POST that creates or charges ------------------------------------

def _replays(client: TestClient, path: str, body: dict[str, Any] | None,
             headers: dict[str, str], other: dict[str, Any] | None) -> dict[str, Any]:
    h = {**headers, "Idempotency-Key": f"key-{path}"}
    first = client.post(path, json=body, headers=h)
    again = client.post(path, json=body, headers=h)
    assert first.status_code < 500, first.text
    assert again.status_code == first.status_code and again.json() == first.json(), path
    if other is not None:
        assert err(client.post(path, json=other, headers=h)) == (422, "IDEMPOTENCY_KEY_REUSED")
    result: dict[str, Any] = first.json()
    return result


def test_idempotency_key_on_every_creating_or_charging_post(
        client: TestClient, admin: dict[str, str]) -> None:
    lic = _replays(client, "/v1/licenses", {"product": "desktop", "seats": 1,
                                            "license_name": "Idem", "email": "i@idem.test"},
                   admin, {"product": "desktop", "seats": 2, "license_name": "Idem",
                           "email": "i@idem.test"})
    listed = client.get("/v1/licenses", params={"email": "i@idem.test"}, headers=admin).json()
    assert len(listed["data"]) == 1

    reg = _replays(client, "/v1/registrations", {**info(lic), "user": "ann"}, {},
                   {**info(lic), "user": "bob"})
    assert reg["user"] == "ann"

    q = _replays(client, "/v1/quotes", {"kind": "new", "product": "desktop", "seats": 5}, {},
                 {"kind": "new", "product": "desktop", "seats": 6})
    order_body = {"quote_id": q["id"], "buyer": BUYER, "payment_method": "card"}
    order = _replays(client, "/v1/orders", order_body, {},
                     {**order_body, "license_name": "Other"})
    paid = _replays(client, f"/v1/orders/{order['id']}/pay", {"card_token": "tok_visa"}, {},
                    {"card_token": "tok_declined"})
    assert paid["status"] == "fulfilled" and len(paid["licenses"]) == 1
    refunded = _replays(client, f"/v1/orders/{order['id']}/refund", {}, admin,
                        {"force": True})
    assert refunded["status"] == "refunded"

    inv_q = client.post("/v1/quotes", json={"kind": "new", "product": "confluence-server",
                                            "seats": 25}).json()
    inv = client.post("/v1/orders", json={"quote_id": inv_q["id"], "buyer": BUYER,
                                          "payment_method": "invoice"}).json()
    marked = _replays(client, f"/v1/orders/{inv['id']}/mark-paid", None, admin, None)
    assert marked["status"] == "fulfilled"

    server = marked["licenses"][0]
    mig = _replays(client, "/v1/migrations", migration_body(server), {},
                   {**migration_body(server), "organisation": "Other"})
    done = _replays(client, f"/v1/migrations/{mig['id']}/complete", {"sen": "SEN-L100"}, admin,
                    {"sen": "SEN-L101"})
    assert done["status"] == "completed" or done.get("sen") == "SEN-L100"

    _replays(client, f"/v1/licenses/{lic['id']}/revoke", {"reason": "test"}, admin,
             {"reason": "other"})
    _replays(client, "/v1/signing-keys/rotate", None, admin, None)
    keys = client.get("/v1/signing-keys").json()["data"]
    assert sum(k["status"] == "active" for k in keys) == 1 and len(keys) == 2
    _replays(client, "/v1/accounts", {"email": "c@idem.test", "name": "C", "password": "pw-123456"},
             {}, {"email": "d@idem.test", "name": "C", "password": "pw-123456"})


def migration_body(lic: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = {**info(lic), "hosting": "server", "server_user_tier": lic["seats"],
            "agree_to_upgrade": False, "marketplace_email": "admin@acme.test",
            "holder_first_name": "Jane", "holder_last_name": "Doe", "organisation": "Acme Inc",
            "address": {"line1": "1 Main St", "city": "Springfield", "postal_code": "12345",
                        "country": "US"}}
    body.update(changes)
    return body


# -- every list: ?limit=&cursor= → {data, next_cursor} ---------------------------------------

def walk(client: TestClient, path: str, headers: dict[str, str], limit: int,
         **params: Any) -> list[Any]:
    """Every item of a list, `limit` at a time; checks the page shape on the way."""
    items: list[Any] = []
    cursor = None
    for _ in range(300):
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        r = client.get(path, params=query, headers=headers)
        assert r.status_code == 200, (path, r.text)
        page = r.json()
        assert {"data", "next_cursor"} <= set(page), (path, page)
        assert len(page["data"]) <= limit, path
        items.extend(page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items
        assert page["data"], path
    raise AssertionError(f"{path} never ends")


def test_every_list_is_paginated(client: TestClient, admin: dict[str, str]) -> None:
    lic = new_license(client, admin, seats=10, email="page@acme.test")
    for n in range(3):
        new_license(client, admin, seats=1, email="page@acme.test", license_name=f"P{n}")
        client.post("/v1/registrations", json={**info(lic), "user": f"user{n}"})
    client.post("/v1/signing-keys/rotate", headers=admin)
    client.post("/v1/licenses/lost-key", json={"email": "page@acme.test"})
    client.post("/v1/licenses/lost-key", json={"email": "page@acme.test"})
    for n in range(3):
        q = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 1})
        client.post("/v1/orders", json={"quote_id": q.json()["id"], "buyer": BUYER,
                                        "payment_method": "card"})
    lists: list[tuple[str, dict[str, str], dict[str, Any], int]] = [
        ("/v1/products", {}, {}, 7),
        ("/v1/licenses", admin, {"email": "page@acme.test"}, 4),
        (f"/v1/licenses/{lic['id']}/registrations", admin, {}, 3),
        ("/v1/signing-keys", {}, {}, 2),
        ("/v1/products/desktop/releases", {}, {}, 2),
        ("/v1/products/desktop/upgrade-prices", {}, {}, 45),
        ("/v1/sandbox/outbox", admin, {"to": "page@acme.test"}, 2),
        ("/v1/migrations", admin, {}, 0),
        ("/v1/orders", admin, {}, 3),
    ]
    for path, headers, params, at_least in lists:
        whole = client.get(path, params=params, headers=headers)
        assert whole.status_code == 200, (path, whole.text)
        assert {"data", "next_cursor"} <= set(whole.json()), path
        everything = whole.json()["data"]
        assert len(everything) >= at_least, path
        paged = walk(client, path, headers, 1, **params)
        assert paged == everything, path
        bad = client.get(path, params={**params, "limit": 0}, headers=headers)
        assert err(bad) == (422, "INVALID_REQUEST"), path
        assert client.get(path, params={**params, "limit": "x"},
                          headers=headers).status_code == 422
