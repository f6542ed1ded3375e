"""Every way a customer pays by card, driven through the HTTP API, so that each test of a
charge's outcome runs on all of them: a new license, an upgrade, a maintenance renewal, a
subscription's start and a plan change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi.testclient import TestClient

from licensor.core.context import Context
from tests.builders import create_license, license_info
from tests.conftest import ADMIN
from tests.orders.helpers import order, quote
from tests.payments.helpers import ledger

PATHS = ["new", "upgrade", "renewal", "subscribe", "plan_change"]


@dataclass
class PayPath:
    """One paid thing: `pay(token, headers)` asks to pay it; `paid()` says whether it is."""

    pay: Callable[[str, dict[str, str]], httpx.Response]
    paid: Callable[[], bool]
    subject: tuple[str, str]  # the metadata (key, value) of its charges in the sandbox ledger
    ok: int  # the status of a successful payment

    def charges(self, client: TestClient) -> list[dict[str, Any]]:
        key, value = self.subject
        return [c for c in ledger(client) if c["metadata"].get(key) == value]

    def live(self, client: TestClient) -> int:
        return sum(c["status"] == "succeeded" for c in self.charges(client))


def _order_path(client: TestClient, q: dict[str, Any]) -> PayPath:
    o = order(client, q["id"])

    def paid() -> bool:
        return bool(client.get(f"/v1/orders/{o['id']}", headers=ADMIN).json()["status"]
                    == "fulfilled")

    return PayPath(lambda token, h: client.post(f"/v1/orders/{o['id']}/pay",
                                                json={"card_token": token}, headers=h),
                   paid, ("order_id", o["id"]), 200)


def _account(client: TestClient, email: str) -> tuple[dict[str, str], str]:
    r = client.post("/v1/accounts", json={"email": email, "name": "Someone",
                                          "password": "correct horse"})
    assert r.status_code == 201, r.text
    owner = {"Authorization": f"Bearer {r.json()['token']}"}
    r = client.post("/v1/sites", json={"name": "Acme"}, headers=owner)
    assert r.status_code == 201, r.text
    return owner, r.json()["id"]


def _subscribe_path(client: TestClient) -> PayPath:
    owner, site = _account(client, "sub@example.test")

    def pay(token: str, headers: dict[str, str]) -> httpx.Response:
        return client.post("/v1/subscriptions", headers={**owner, **headers}, json={
            "plan": "small", "interval": "month", "card_token": token, "site_id": site})

    def paid() -> bool:
        sub = client.get(f"/v1/sites/{site}", headers=owner).json()["subscription"]
        return bool(sub["status"] == "active")

    trial = client.get(f"/v1/sites/{site}", headers=owner).json()["subscription"]
    return PayPath(pay, paid, ("subscription_id", trial["id"]), 201)


def _plan_change_path(client: TestClient) -> PayPath:
    owner, site = _account(client, "change@example.test")
    r = client.post("/v1/subscriptions", headers=owner, json={
        "plan": "small", "interval": "month", "card_token": "tok_visa", "site_id": site})
    assert r.status_code == 201, r.text
    sub_id = r.json()["id"]
    before = {c["id"] for c in ledger(client)}

    def pay(token: str, headers: dict[str, str]) -> httpx.Response:
        return client.post(f"/v1/subscriptions/{sub_id}/change", headers={**owner, **headers},
                           json={"plan": "large", "card_token": token})

    def paid() -> bool:
        got = client.get(f"/v1/subscriptions/{sub_id}", headers=owner).json()
        return bool(got["plan"] == "large")

    path = PayPath(pay, paid, ("subscription_id", sub_id), 200)
    original = path.charges
    path.charges = lambda c: [x for x in original(c) if x["id"] not in before]  # type: ignore[method-assign]
    return path


def make_path(kind: str, ctx: Context, client: TestClient) -> PayPath:
    if kind == "new":
        return _order_path(client, quote(client, kind="new", product="desktop", seats=1))
    if kind == "upgrade":
        old = create_license(ctx, seats=1)
        return _order_path(client, quote(client, kind="upgrade", seats=5, **license_info(old)))
    if kind == "renewal":
        r = client.post("/v1/licenses", headers=ADMIN, json={
            "product": "confluence-server", "seats": 25, "license_name": "Acme Inc",
            "email": "it@acme.test"})
        assert r.status_code == 201, r.text
        lic = r.json()
        return _order_path(client, quote(client, kind="renewal",
                                         license_name=lic["license_name"],
                                         license_key=lic["license_key"]))
    if kind == "subscribe":
        return _subscribe_path(client)
    return _plan_change_path(client)
