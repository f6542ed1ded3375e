"""Shared steps of the payment tests: the sandbox processor's mode and ledger."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import ADMIN


def set_mode(client: TestClient, mode: str) -> None:
    r = client.put("/v1/sandbox/processor", json={"mode": mode}, headers=ADMIN)
    assert r.status_code == 200 and r.json() == {"mode": mode}, r.text


def ledger(client: TestClient) -> list[dict[str, Any]]:
    r = client.get("/v1/sandbox/charges?limit=1000", headers=ADMIN)
    assert r.status_code == 200, r.text
    return list(r.json()["data"])


def live_charges(client: TestClient, order_id: str) -> list[dict[str, Any]]:
    """The sandbox ledger's charges for this order that were not refunded."""
    return [c for c in ledger(client)
            if c["metadata"].get("order_id") == order_id and c["status"] == "succeeded"]
