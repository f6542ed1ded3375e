"""A desktop license whose value became credit is not refunded as well (unless forced)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.discounts.test_credits_site import credit, info, paid_site, shop  # noqa: F401
from tests.orders.helpers import buy
from tests.subscriptions.conftest import Shop


def test_a_credited_license_is_not_refunded_unless_forced(
        client: TestClient, shop: Shop, admin: dict[str, str]) -> None:  # noqa: F811
    owner, site, _sub = paid_site(shop, "owner@acme.test")
    order = buy(client, kind="new", product="desktop", seats=5)
    assert credit(client, owner, site["id"], info(order)).status_code == 200
    r = client.post(f"/v1/orders/{order['id']}/refund", json={}, headers=admin)
    assert r.status_code == 409, r.text
    error = r.json()["error"]
    assert error["code"] == "ORDER_NOT_REFUNDABLE"
    assert "credit on a site's subscription" in error["message"]
    assert error["details"]["credit_kind"] == "site"
    forced = client.post(f"/v1/orders/{order['id']}/refund", json={"force": True},
                         headers=admin)
    assert forced.status_code == 200 and forced.json()["status"] == "refunded"


def test_a_plugin_coupon_blocks_the_refund_too(client: TestClient,
                                               admin: dict[str, str]) -> None:
    order = buy(client, kind="new", product="desktop", seats=1)
    made = client.post("/v1/credits/desktop-to-plugin", json=info(order), headers=admin)
    assert made.status_code == 201, made.text
    r = client.post(f"/v1/orders/{order['id']}/refund", json={}, headers=admin)
    assert r.status_code == 409 and "coupon for a server plugin" in r.json()["error"]["message"]


def test_an_uncredited_license_refunds_as_before(client: TestClient,
                                                 admin: dict[str, str]) -> None:
    order = buy(client, kind="new", product="desktop", seats=5)
    r = client.post(f"/v1/orders/{order['id']}/refund", json={}, headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "refunded"
