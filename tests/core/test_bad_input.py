"""Bad input from an outside probe gets a coded 4xx, never a 500: JSON nested past what a
parser can follow, on the validate hot path and under an Idempotency-Key."""

from __future__ import annotations

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
