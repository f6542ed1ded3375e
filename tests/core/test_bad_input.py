"""Bad input from an outside probe gets a coded 4xx, never a 500: JSON nested past what a
parser can follow, on the validate hot path and under an Idempotency-Key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

DEEP_ARRAYS = b"[" * 10_000 + b"]" * 10_000
DEEP_OBJECTS = b'{"a":' * 10_000 + b"1" + b"}" * 10_000
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("body", [DEEP_ARRAYS, DEEP_OBJECTS], ids=["arrays", "objects"])
@pytest.mark.parametrize("path,key", [
    ("/v1/licenses/validate", None),  # the hot path
    ("/v1/licenses/validate", "deep-1"),  # the hot path hands it to the idempotency boundary
    ("/v1/accounts", "deep-2"),
    ("/v1/accounts", None),
])
def test_deeply_nested_json_is_invalid_request(client: TestClient, body: bytes, path: str,
                                               key: str | None) -> None:
    headers = {**JSON, **({"Idempotency-Key": key} if key else {})}
    r = client.post(path, content=body, headers=headers)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "INVALID_REQUEST"
    assert error["details"]["field"] == "body"
    assert "nested" in error["message"]


@pytest.mark.parametrize("depth", [100, 900, 990, 1000, 1100, 5000])
@pytest.mark.parametrize("path", ["/v1/licenses/validate", "/v1/accounts"])
def test_no_depth_gives_a_500(client: TestClient, depth: int, path: str) -> None:
    for key in (None, f"depth-{depth}"):
        headers = {**JSON, **({"Idempotency-Key": key} if key else {})}
        for body in (b"[" * depth + b"]" * depth, b'{"a":' * depth + b"1" + b"}" * depth):
            r = client.post(path, content=body, headers=headers)
            assert r.status_code == 422, r.text
            assert r.json()["error"]["code"] in ("INVALID_REQUEST", "IDEMPOTENCY_KEY_REUSED")


@pytest.mark.parametrize("now", ["2106-03-01T00:00:00Z", "2200-01-01T00:00:00Z",
                                 "1960-01-01T00:00:00Z", "9999-12-31T23:59:59Z"])
def test_the_sandbox_clock_stays_where_keys_can_carry_dates(client: TestClient, admin,
                                                            now: str) -> None:
    r = client.put("/v1/sandbox/clock", json={"now": now}, headers=admin)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert (error["code"], error["details"]["field"]) == ("INVALID_TIME", "now")
    assert "2096-01-30T06:28:15Z" in error["message"]
    clock = datetime.fromisoformat(client.get("/v1/sandbox/clock").json()["now"])
    assert abs(clock - datetime.now(UTC)) < timedelta(hours=1)  # not moved


def test_advancing_the_sandbox_clock_stops_at_its_last_time(client: TestClient, admin) -> None:
    r = client.put("/v1/sandbox/clock", json={"now": "2096-01-01T00:00:00Z"}, headers=admin)
    assert r.status_code == 200, r.text
    year = 365 * 24 * 3600
    r = client.post("/v1/sandbox/clock/advance", json={"seconds": year}, headers=admin)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert (error["code"], error["details"]["field"]) == ("INVALID_DURATION", "seconds")
    assert client.get("/v1/sandbox/clock").json()["now"].startswith("2096-01-01T00:00:00")
    r = client.post("/v1/sandbox/clock/advance", json={"seconds": 86400}, headers=admin)
    assert r.status_code == 200 and r.json()["now"].startswith("2096-01-02T00:00:00")
    # The clock's last time: a server plugin sold then still has a key with its maintenance.
    assert client.put("/v1/sandbox/clock", json={"now": "2096-01-30T06:28:15Z"},
                      headers=admin).status_code == 200
    r = client.post("/v1/licenses", json={"product": "jira-server", "seats": 10,
                                          "license_name": "Acme", "email": "a@acme.test"},
                    headers=admin)
    assert r.status_code == 201, r.text
