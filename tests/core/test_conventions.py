"""Error envelope, bad input, idempotency keys, OpenAPI: the conventions every endpoint shares."""

from __future__ import annotations

from fastapi.testclient import TestClient


def error(r) -> tuple[int, str]:
    return r.status_code, r.json()["error"]["code"]


def test_unknown_route_and_method(client: TestClient) -> None:
    assert error(client.get("/v1/nothing-here")) == (404, "NOT_FOUND")
    assert error(client.delete("/v1/products")) == (405, "METHOD_NOT_ALLOWED")


def test_malformed_bodies_are_422_invalid_request(client: TestClient) -> None:
    url = "/v1/licenses/validate"
    for content in (b"{not json", b"", b"[1, 2]", b"\xff\xfe\x00garbage", b'"text"',
                    b'{"license_name": 5, "license_key": "x"}'):
        r = client.post(url, content=content, headers={"Content-Type": "application/json"})
        assert error(r) == (422, "INVALID_REQUEST"), content
        assert r.json()["error"]["message"]
    r = client.post(url, json={"license_key": "x"})
    assert r.json()["error"]["details"]["field"] == "license_name"
    assert "required" in r.json()["error"]["message"]


def test_huge_and_negative_numbers_never_500(client: TestClient, admin) -> None:
    for seats in (10**100, -(10**100), 2**63, 1.5, True, None, [], {}):
        r = client.post("/v1/licenses", headers=admin,
                        json={"product": "desktop", "seats": seats, "license_name": "A",
                              "email": "a@b.c"})
        assert r.status_code < 500 and r.status_code != 201, seats


def test_openapi_and_docs_are_published(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/v1/licenses/validate" in spec["paths"] and "/v1/registrations" in spec["paths"]
    assert client.get("/docs").status_code == 200


def test_idempotency_key_replays_the_first_response(client: TestClient, admin) -> None:
    body = {"product": "desktop", "seats": 2, "license_name": "Acme", "email": "a@acme.test"}
    headers = {**admin, "Idempotency-Key": "order-42"}
    first = client.post("/v1/licenses", json=body, headers=headers)
    again = client.post("/v1/licenses", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    listed = client.get("/v1/licenses?email=a@acme.test", headers=admin).json()["data"]
    assert len(listed) == 1


def test_idempotency_key_with_another_body_is_refused(client: TestClient, admin) -> None:
    headers = {**admin, "Idempotency-Key": "k-1"}
    body = {"product": "desktop", "seats": 2, "license_name": "Acme", "email": "a@acme.test"}
    client.post("/v1/licenses", json=body, headers=headers)
    r = client.post("/v1/licenses", json={**body, "seats": 3}, headers=headers)
    assert error(r) == (422, "IDEMPOTENCY_KEY_REUSED")


def test_idempotency_replays_errors_too(client: TestClient, admin) -> None:
    headers = {**admin, "Idempotency-Key": "k-err"}
    body = {"product": "nope", "seats": 2, "license_name": "Acme", "email": "a@acme.test"}
    first = client.post("/v1/licenses", json=body, headers=headers)
    again = client.post("/v1/licenses", json=body, headers=headers)
    assert error(first) == error(again) == (404, "UNKNOWN_PRODUCT")
    assert again.headers.get("idempotent-replayed") == "true"


def test_idempotency_keys_are_per_caller(client: TestClient, admin) -> None:
    body = {"email": "x@y.test"}
    a = client.post("/v1/licenses/lost-key", json=body, headers={"Idempotency-Key": "same"})
    b = client.post("/v1/licenses/lost-key", json=body,
                    headers={**admin, "Idempotency-Key": "same"})
    assert a.status_code == b.status_code == 202
    assert "idempotent-replayed" not in b.headers
