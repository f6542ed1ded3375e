"""Desktop -> plugin credit through the HTTP API: staff turn a desktop license into a
single-use coupon worth half of its value at today's volume prices, for server plugins only;
once per license, shared with the site credit."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from licensor.core import audit
from licensor.core.context import Context
from tests import builders
from tests.builders import create_license, license_info
from tests.orders.helpers import buy, error
from tests.subscriptions.conftest import START, Shop

URL = "/v1/credits/desktop-to-plugin"


@pytest.fixture
def shop(client: TestClient, admin: dict[str, str]) -> Shop:
    s = Shop(client, admin)
    s.set_clock(START)
    return s


def info(paid: dict[str, Any]) -> dict[str, str]:
    return builders.info(paid["licenses"][0])


def to_coupon(client: TestClient, admin: dict[str, str], lic: dict[str, str]) -> Any:
    return client.post(URL, json=lic, headers=admin)


def test_five_desktop_users_become_a_214_50_coupon_for_server_plugins(
        ctx: Context, client: TestClient, admin: dict[str, str]) -> None:
    lic = create_license(ctx, seats=5, license_name="Acme Inc")
    r = to_coupon(client, admin, license_info(lic))
    assert r.status_code == 201, r.text
    coupon = r.json()
    assert re.fullmatch(r"DESKTOP-[A-Z]{8}", coupon["code"])
    assert coupon["amount_off"] == {"amount": 21450, "currency": "USD"}  # 50% of 429.00
    assert coupon["percent_off"] is None
    assert coupon["applies_to"]["products"] == ["confluence-server", "jira-server"]
    assert coupon["max_redemptions"] == 1 and coupon["times_redeemed"] == 0
    assert coupon["duration"] == "once" and coupon["active"] is True
    assert coupon["source"] == {"desktop_license_id": lic.id}
    assert "Acme Inc" in coupon["name"] and "5 users" in coupon["name"]
    # The vendor finds it among the coupons; the license keeps working.
    got = client.get(f"/v1/coupons/{coupon['code'].lower()}", headers=admin)
    assert got.status_code == 200 and got.json()["id"] == coupon["id"]
    assert client.get(f"/v1/licenses/{lic.id}", headers=admin).json()["status"] == "active"
    with ctx.db.reader() as session:
        actions = [e.action for e in audit.entries_for(session, lic.id)]
    assert "license.credited" in actions


def test_the_value_is_at_today_s_prices(ctx: Context, client: TestClient,
                                        admin: dict[str, str]) -> None:
    """A 1-user license upgraded to 10 is valued as 10 users today (800.00), whatever was
    paid for it."""
    first = buy(client, kind="new", product="desktop", seats=1)
    upgrade = buy(client, kind="upgrade", seats=10, **info(first))
    r = to_coupon(client, admin, info(upgrade))
    assert r.status_code == 201, r.text
    assert r.json()["amount_off"] == {"amount": 40000, "currency": "USD"}


def test_once_per_license_either_way(ctx: Context, client: TestClient, shop: Shop,
                                     admin: dict[str, str]) -> None:
    lic = license_info(create_license(ctx, seats=5))
    assert to_coupon(client, admin, lic).status_code == 201
    body = error(to_coupon(client, admin, lic), 409, "CREDIT_ALREADY_USED")
    assert body["details"]["kind"] == "plugin_coupon"
    # A license credited to a site cannot become a coupon too, nor the other way round.
    owner, _ = shop.account()
    site = shop.site(owner)
    shop.subscribe(owner, site["id"])
    r = client.post(f"/v1/sites/{site['id']}/desktop-credit", json=lic, headers=owner)
    error(r, 409, "CREDIT_ALREADY_USED")
    paid = info(buy(client, kind="new", product="desktop", seats=5))
    r = client.post(f"/v1/sites/{site['id']}/desktop-credit", json=paid, headers=owner)
    assert r.status_code == 200, r.text
    body = error(to_coupon(client, admin, paid), 409, "CREDIT_ALREADY_USED")
    assert body["details"]["kind"] == "site"
    assert len(client.get("/v1/coupons", headers=admin).json()["data"]) == 1


def test_refusals(ctx: Context, client: TestClient, admin: dict[str, str],
                  shop: Shop) -> None:
    server = license_info(create_license(ctx, product="confluence-server", seats=10))
    body = error(to_coupon(client, admin, server), 409, "NOTHING_TO_CREDIT")
    assert body["details"]["product"] == "confluence-server"
    revoked = create_license(ctx, seats=5, license_name="Gone Inc")
    assert client.post(f"/v1/licenses/{revoked.id}/revoke", json={"reason": "fraud"},
                       headers=admin).status_code == 200
    error(to_coupon(client, admin, license_info(revoked)), 409, "LICENSE_REVOKED")
    lic = license_info(create_license(ctx, seats=1))
    error(to_coupon(client, admin, {**lic, "license_key": "not-a-key"}), 422,
          "INVALID_LICENSE")
    first = buy(client, kind="new", product="desktop", seats=1)
    buy(client, kind="upgrade", seats=5, **info(first))
    error(to_coupon(client, admin, info(first)), 409, "LICENSE_SUPERSEDED")
    # Staff only.
    owner, _ = shop.account()
    error(client.post(URL, json=lic, headers=owner), 401, "UNAUTHENTICATED")
    error(client.post(URL, json=lic), 401, "UNAUTHENTICATED")
    assert client.get("/v1/coupons", headers=admin).json()["data"] == []
