"""Marketplace licenses and products through quotes and orders, and the whole migration path:
request → upgrade paid → pending → completed → upgrades and renewals refused."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from licensor.core import audit
from licensor.core.context import Context
from licensor.licenses.models import LicenseRow
from tests.builders import create_license, license_info
from tests.marketplace.helpers import error, migration_body, outbox

MY_ATLASSIAN = "https://my.atlassian.com"
CLOUD_PRICING = {
    "confluence-cloud":
        "https://marketplace.atlassian.com/apps/balsamiq-mockups-3-for-confluence-cloud/pricing",
    "jira-cloud":
        "https://marketplace.atlassian.com/apps/balsamiq-mockups-3-for-jira-cloud/pricing",
}
BUYER = {"name": "Ada Lovelace", "email": "buyer@acme.test", "company": "Acme Inc"}


def buy(client: TestClient, **quote_body: Any) -> dict[str, Any]:
    """Quote, order and pay by card (sandbox tok_visa): the fulfilled order."""
    quote = client.post("/v1/quotes", json=quote_body)
    assert quote.status_code == 201, quote.text
    order = client.post("/v1/orders", json={"quote_id": quote.json()["id"], "buyer": BUYER,
                                            "payment_method": "card"})
    assert order.status_code == 201, order.text
    paid = client.post(f"/v1/orders/{order.json()['id']}/pay", json={"card_token": "tok_visa"})
    assert paid.status_code == 200, paid.text
    result: dict[str, Any] = paid.json()
    assert result["status"] == "fulfilled"
    return result


@pytest.fixture
def server_license(ctx: Context) -> LicenseRow:
    return create_license(ctx, product="confluence-server", seats=25, email="buyer@acme.test")


def test_marketplace_license_is_upgraded_and_renewed_at_the_marketplace(
        client: TestClient, admin: dict[str, str]) -> None:
    imported = client.post("/v1/licenses", headers=admin, json={
        "product": "jira-server", "seats": 25, "license_name": "Acme Inc",
        "email": "it@acme.test", "channel": "marketplace", "sen": "SEN-L9000"}).json()
    info = {"license_name": imported["license_name"], "license_key": imported["license_key"]}
    err = error(client.post("/v1/quotes", json={"kind": "upgrade", **info, "seats": 50}), 409,
                "UPGRADE_VIA_MARKETPLACE")
    assert err["details"]["url"] == MY_ATLASSIAN
    err = error(client.post("/v1/quotes", json={"kind": "renewal", **info}), 409,
                "UPGRADE_VIA_MARKETPLACE")
    assert err["details"]["url"] == MY_ATLASSIAN


@pytest.mark.parametrize("product", ["confluence-cloud", "jira-cloud"])
def test_cloud_products_are_sold_by_the_marketplace_only(client: TestClient,
                                                         product: str) -> None:
    for seats in (10, 1, None):
        err = error(client.post("/v1/quotes", json={"kind": "new", "product": product,
                                                    "seats": seats}),
                    409, "SOLD_BY_MARKETPLACE")
        assert err["details"]["url"] == CLOUD_PRICING[product]


def test_cloud_products_have_no_license_to_import(client: TestClient,
                                                  admin: dict[str, str]) -> None:
    response = client.post("/v1/licenses", headers=admin, json={
        "product": "confluence-cloud", "seats": 10, "license_name": "Acme", "email": "a@b.test",
        "channel": "marketplace", "sen": "SEN-1"})
    error(response, 409, "PRODUCT_NOT_PERPETUAL")


def test_request_upgrade_pending_complete(client: TestClient, ctx: Context,
                                          admin: dict[str, str],
                                          server_license: LicenseRow) -> None:
    # 1. The server has 100 users; the direct license 25: the customer agrees to upgrade.
    mig = client.post("/v1/migrations", json=migration_body(
        server_license, server_user_tier=100, agree_to_upgrade=True)).json()
    assert mig["status"] == "awaiting_upgrade" and mig["required_seats"] == 100
    error(client.post(f"/v1/migrations/{mig['id']}/complete", json={"sen": "SEN-L1"},
                      headers=admin), 409, "MIGRATION_NOT_PENDING")

    # 2. Paying the upgrade to 100 moves the request to pending, onto the new license.
    order = buy(client, kind="upgrade", **license_info(server_license), seats=100)
    new = order["licenses"][0]
    assert new["seats"] == 100 and new["id"] != server_license.id
    shown = client.get(f"/v1/migrations/{mig['id']}", headers=admin).json()
    assert shown["status"] == "pending"
    assert shown["license_id"] == new["id"]
    assert shown["requested_license_id"] == server_license.id
    assert any("ready" in m["subject"] for m in outbox(client, admin, "buyer@acme.test"))
    # The superseded key cannot open a second request, the new one finds the open one.
    error(client.post("/v1/migrations", json=migration_body(server_license,
                                                            server_user_tier=100)),
          409, "LICENSE_SUPERSEDED")
    new_info = {"license_name": new["license_name"], "license_key": new["license_key"]}
    again = client.post("/v1/migrations", json={**migration_body(server_license,
                                                                 server_user_tier=100),
                                                **new_info})
    error(again, 409, "MIGRATION_ALREADY_OPEN")

    # 3. The administrator completes it with the marketplace's SEN.
    done = client.post(f"/v1/migrations/{mig['id']}/complete", json={"sen": "SEN-L5550001"},
                       headers=admin)
    assert done.status_code == 200, done.text
    lic = client.get(f"/v1/licenses/{new['id']}", headers=admin).json()
    assert lic["channel"] == "marketplace" and lic["sen"] == "SEN-L5550001"
    assert "SEN-L5550001" in outbox(client, admin, "buyer@acme.test")[-1]["body"]

    # 4. From now on upgrades and renewals go through the marketplace.
    err = error(client.post("/v1/quotes", json={"kind": "upgrade", **new_info, "seats": 250}),
                409, "UPGRADE_VIA_MARKETPLACE")
    assert err["details"]["url"] == MY_ATLASSIAN
    err = error(client.post("/v1/quotes", json={"kind": "renewal", **new_info}), 409,
                "UPGRADE_VIA_MARKETPLACE")
    assert err["details"]["url"] == MY_ATLASSIAN
    with ctx.db.reader() as session:
        actions = [e.action for e in audit.entries_for(session, mig["id"])]
        assert audit.verify_chain(session).ok
    assert actions == ["migration.requested", "migration.license_upgraded",
                       "migration.completed"]


def test_quotes_made_before_completion_go_stale(client: TestClient, admin: dict[str, str],
                                                server_license: LicenseRow) -> None:
    mig = client.post("/v1/migrations", json=migration_body(server_license)).json()
    quote = client.post("/v1/quotes", json={"kind": "upgrade", **license_info(server_license),
                                            "seats": 50}).json()
    order = client.post("/v1/orders", json={"quote_id": quote["id"], "buyer": BUYER,
                                            "payment_method": "card"}).json()
    client.post(f"/v1/migrations/{mig['id']}/complete", json={"sen": "SEN-L42"}, headers=admin)
    error(client.post(f"/v1/orders/{order['id']}/pay", json={"card_token": "tok_visa"}), 409,
          "QUOTE_STALE")
    lic = client.get(f"/v1/licenses/{server_license.id}", headers=admin).json()
    assert lic["seats"] == 25 and lic["status"] == "active"


def test_upgrade_short_of_the_tier_keeps_waiting(client: TestClient, admin: dict[str, str],
                                                 server_license: LicenseRow) -> None:
    mig = client.post("/v1/migrations", json=migration_body(
        server_license, server_user_tier=100, agree_to_upgrade=True)).json()
    order = buy(client, kind="upgrade", **license_info(server_license), seats=50)
    shown = client.get(f"/v1/migrations/{mig['id']}", headers=admin).json()
    assert shown["status"] == "awaiting_upgrade"
    assert shown["license_id"] == order["licenses"][0]["id"] and shown["license_seats"] == 50


def test_upgrade_past_the_tier_closes_the_request(client: TestClient, admin: dict[str, str],
                                                  server_license: LicenseRow) -> None:
    mig = client.post("/v1/migrations", json=migration_body(
        server_license, server_user_tier=50, agree_to_upgrade=True)).json()
    order = buy(client, kind="upgrade", **license_info(server_license), seats=100)
    shown = client.get(f"/v1/migrations/{mig['id']}", headers=admin).json()
    assert shown["status"] == "rejected" and "server" in shown["reason"]
    # The customer may ask again with the server's current tier.
    new = order["licenses"][0]
    again = client.post("/v1/migrations", json={
        **migration_body(server_license, server_user_tier=100),
        "license_name": new["license_name"], "license_key": new["license_key"]})
    assert again.status_code == 201 and again.json()["status"] == "pending"


def test_refunding_the_upgrade_puts_the_request_back(client: TestClient, ctx: Context,
                                                     admin: dict[str, str],
                                                     server_license: LicenseRow) -> None:
    mig = client.post("/v1/migrations", json=migration_body(
        server_license, server_user_tier=100, agree_to_upgrade=True)).json()
    order = buy(client, kind="upgrade", **license_info(server_license), seats=100)
    assert client.get(f"/v1/migrations/{mig['id']}", headers=admin).json()["status"] == "pending"
    refund = client.post(f"/v1/orders/{order['id']}/refund", json={}, headers=admin)
    assert refund.status_code == 200, refund.text
    shown = client.get(f"/v1/migrations/{mig['id']}", headers=admin).json()
    assert shown["status"] == "awaiting_upgrade"
    assert shown["license_id"] == server_license.id and shown["license_seats"] == 25
    # The restored license's key is current again and still finds its open request.
    error(client.post("/v1/migrations", json=migration_body(
        server_license, server_user_tier=100, agree_to_upgrade=True)), 409,
        "MIGRATION_ALREADY_OPEN")


def test_an_upgrade_that_moved_to_the_marketplace_is_not_refunded_here(
        client: TestClient, admin: dict[str, str], server_license: LicenseRow) -> None:
    mig = client.post("/v1/migrations", json=migration_body(
        server_license, server_user_tier=100, agree_to_upgrade=True)).json()
    order = buy(client, kind="upgrade", **license_info(server_license), seats=100)
    new_id = order["licenses"][0]["id"]
    client.post(f"/v1/migrations/{mig['id']}/complete", json={"sen": "SEN-L77"}, headers=admin)
    err = error(client.post(f"/v1/orders/{order['id']}/refund", json={}, headers=admin), 409,
                "ORDER_NOT_REFUNDABLE")
    assert err["details"]["sen"] == "SEN-L77"
    lic = client.get(f"/v1/licenses/{new_id}", headers=admin).json()
    assert lic["status"] == "active" and lic["channel"] == "marketplace"
    old = client.get(f"/v1/licenses/{server_license.id}", headers=admin).json()
    assert old["status"] == "superseded"
