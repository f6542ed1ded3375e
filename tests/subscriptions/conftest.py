"""Helpers for subscription tests: accounts, the sandbox clock, sites on a plan."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests import builders

START = datetime(2025, 6, 1, tzinfo=UTC)


class Shop:
    """Drives the API like a customer would, with the admin's sandbox clock."""

    def __init__(self, client: TestClient, admin: dict[str, str]) -> None:
        self.client = client
        self.admin = admin
        self.count = 0

    def set_clock(self, moment: datetime) -> None:
        builders.set_clock(self.client, self.admin, moment.isoformat())

    def advance(self, seconds: int) -> dict[str, Any]:
        r = self.client.post("/v1/sandbox/clock/advance", json={"seconds": seconds},
                             headers=self.admin)
        assert r.status_code == 200, r.text
        return r.json()

    def account(self, email: str | None = None) -> tuple[dict[str, str], dict[str, Any]]:
        self.count += 1
        email = email or f"user{self.count}@example.test"
        r = self.client.post("/v1/accounts", json={"email": email, "name": "Someone",
                                                   "password": "correct horse"})
        assert r.status_code == 201, r.text
        body = r.json()
        return {"Authorization": f"Bearer {body['token']}"}, body

    def site(self, owner: dict[str, str], name: str = "Acme") -> dict[str, Any]:
        r = self.client.post("/v1/sites", json={"name": name}, headers=owner)
        assert r.status_code == 201, r.text
        return r.json()

    def subscribe(self, owner: dict[str, str], site_id: str, plan: str = "small",
                  interval: str = "month", card: str = "tok_visa") -> dict[str, Any]:
        r = self.client.post("/v1/subscriptions", headers=owner, json={
            "plan": plan, "interval": interval, "card_token": card, "site_id": site_id})
        assert r.status_code == 201, r.text
        return r.json()

    def projects(self, owner: dict[str, str], site_id: str, n: int) -> list[str]:
        ids = []
        for i in range(n):
            r = self.client.post(f"/v1/sites/{site_id}/projects", json={"name": f"P{i}"},
                                 headers=owner)
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        return ids

    def outbox(self, to: str) -> list[dict[str, Any]]:
        return builders.outbox(self.client, self.admin, to)

    def invoices(self, who: dict[str, str], sub_id: str) -> list[dict[str, Any]]:
        r = self.client.get(f"/v1/subscriptions/{sub_id}/invoices", headers=who)
        assert r.status_code == 200, r.text
        return list(r.json()["data"])


@pytest.fixture
def shop(client: TestClient, admin: dict[str, str]) -> Shop:
    s = Shop(client, admin)
    s.set_clock(START)
    return s
