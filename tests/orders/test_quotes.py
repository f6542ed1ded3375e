"""POST /v1/quotes: prices and every coded refusal."""

from __future__ import annotations

from fastapi.testclient import TestClient

from licensor.core.context import Context
from tests.builders import create_license, license_info
from tests.orders.helpers import buy, error, quote


def test_new_license_quote(client: TestClient) -> None:
    q = quote(client, kind="new", product="desktop", seats=5)
    assert q["kind"] == "new" and q["product"] == "desktop" and q["seats"] == 5
    assert q["total"] == {"amount": 42900, "currency": "USD"}
    assert q["currency"] == "USD"
    assert q["lines"][0]["amount"] == {"amount": 42900, "currency": "USD"}
    assert q["license_id"] is None and q["maintenance_until"] is None
    assert q["id"].startswith("quo_") and q["expires_at"].endswith("Z")


def test_quote_valid_sixty_days(client: TestClient, admin: dict[str, str]) -> None:
    client.put("/v1/sandbox/clock", json={"now": "2026-01-10T12:00:00Z"}, headers=admin)
    q = quote(client, kind="new", product="desktop", seats=1)
    assert q["expires_at"] == "2026-03-11T12:00:00Z"


def test_upgrade_quote_desktop_one_to_five_is_340(ctx: Context, client: TestClient) -> None:
    lic = create_license(ctx, seats=1)
    q = quote(client, kind="upgrade", seats=5, **license_info(lic))
    assert q["total"] == {"amount": 34000, "currency": "USD"}
    assert q["license_id"] == lic.id and q["seats"] == 5
    assert "from 1 user to 5 users" in q["lines"][0]["description"]


def test_server_upgrade_resets_maintenance_in_quote(ctx: Context, client: TestClient,
                                                    admin: dict[str, str]) -> None:
    client.put("/v1/sandbox/clock", json={"now": "2026-05-01T00:00:00Z"}, headers=admin)
    lic = create_license(ctx, product="confluence-server", seats=10)
    q = quote(client, kind="upgrade", seats=25, **license_info(lic))
    assert q["total"]["amount"] == 30000
    assert q["maintenance_until"] == "2027-05-01T00:00:00Z"


def test_upgrade_not_larger(ctx: Context, client: TestClient) -> None:
    lic = create_license(ctx, seats=5)
    for seats in (5, 3):
        body = error(client.post("/v1/quotes", json={"kind": "upgrade", "seats": seats,
                                                     **license_info(lic)}),
                     409, "UPGRADE_NOT_LARGER")
        assert "new, smaller license" in body["message"]


def test_invalid_tier(ctx: Context, client: TestClient) -> None:
    lic = create_license(ctx, product="confluence-server", seats=10)
    error(client.post("/v1/quotes", json={"kind": "upgrade", "seats": 30, **license_info(lic)}),
          422, "INVALID_TIER")
    error(client.post("/v1/quotes", json={"kind": "new", "product": "jira-server",
                                          "seats": 11}), 422, "INVALID_TIER")


def test_invalid_seats(client: TestClient) -> None:
    error(client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": None}),
          422, "INVALID_SEATS")
    error(client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 0}),
          422, "INVALID_SEATS")


def test_single_user_only(client: TestClient) -> None:
    error(client.post("/v1/quotes", json={"kind": "new", "product": "google-drive",
                                          "seats": 5}), 409, "SINGLE_USER_ONLY")


def test_subscriptions_are_not_upgradable(ctx: Context, client: TestClient) -> None:
    error(client.post("/v1/quotes", json={"kind": "new", "product": "mybalsamiq", "seats": 3}),
          409, "NOT_UPGRADABLE")
    lic = create_license(ctx, seats=1)
    error(client.post("/v1/quotes", json={"kind": "upgrade", "seats": 3, "product": "mybalsamiq",
                                          **license_info(lic)}), 409, "NOT_UPGRADABLE")
    error(client.get("/v1/products/mybalsamiq/upgrade-prices"), 409, "NOT_UPGRADABLE")


def test_sold_by_marketplace(client: TestClient, admin: dict[str, str]) -> None:
    body = error(client.post("/v1/quotes", json={"kind": "new", "product": "confluence-cloud",
                                                 "seats": 10}), 409, "SOLD_BY_MARKETPLACE")
    product = client.get("/v1/products/confluence-cloud").json()
    assert body["details"]["url"] == (product.get("pricing_url") or product["marketplace_url"])
    # a vendor's document with a pricing page: that page is the address given
    doc = {**product, "pricing_url": "https://marketplace.example/pricing"}
    assert client.put("/v1/products/confluence-cloud", json=doc, headers=admin).status_code == 200
    body = error(client.post("/v1/quotes", json={"kind": "new", "product": "confluence-cloud",
                                                 "seats": 10}), 409, "SOLD_BY_MARKETPLACE")
    assert body["details"]["url"] == "https://marketplace.example/pricing"


def test_upgrade_via_marketplace(ctx: Context, client: TestClient) -> None:
    lic = create_license(ctx, product="confluence-server", seats=10, channel="marketplace",
                         sen="SEN-L123")
    body = error(client.post("/v1/quotes", json={"kind": "upgrade", "seats": 25,
                                                 **license_info(lic)}),
                 409, "UPGRADE_VIA_MARKETPLACE")
    product = client.get("/v1/products/confluence-server").json()
    assert body["details"]["url"] == product["marketplace_url"]


def test_superseded_key_cannot_be_upgraded(ctx: Context, client: TestClient) -> None:
    lic = create_license(ctx, seats=1)
    done = buy(client, kind="upgrade", seats=2, **license_info(lic))
    new_id = done["licenses"][0]["id"]
    body = error(client.post("/v1/quotes", json={"kind": "upgrade", "seats": 5,
                                                 **license_info(lic)}), 409, "LICENSE_SUPERSEDED")
    assert body["details"]["superseded_by"] == new_id


def test_revoked_license(ctx: Context, client: TestClient, admin: dict[str, str]) -> None:
    lic = create_license(ctx, seats=1)
    client.post(f"/v1/licenses/{lic.id}/revoke", json={"reason": "chargeback"}, headers=admin)
    error(client.post("/v1/quotes", json={"kind": "upgrade", "seats": 5, **license_info(lic)}),
          409, "LICENSE_REVOKED")


def test_invalid_license(ctx: Context, client: TestClient) -> None:
    lic = create_license(ctx, seats=1)
    body = error(client.post("/v1/quotes", json={"kind": "upgrade", "seats": 5,
                                                 "license_name": "Someone Else",
                                                 "license_key": lic.license_key}),
                 422, "INVALID_LICENSE")
    assert body["details"]["code"] == "NAME_MISMATCH"


def test_unknown_product_and_bad_bodies(client: TestClient) -> None:
    error(client.post("/v1/quotes", json={"kind": "new", "product": "nope", "seats": 1}),
          404, "UNKNOWN_PRODUCT")
    body = error(client.post("/v1/quotes", json={"kind": "new", "seats": 1}),
                 422, "INVALID_REQUEST")
    assert body["details"]["field"] == "product"
    error(client.post("/v1/quotes", json={"kind": "gift"}), 422, "INVALID_REQUEST")
    error(client.post("/v1/quotes", json={"product": "desktop"}), 422, "INVALID_REQUEST")
    error(client.post("/v1/quotes", json=[1, 2]), 422, "INVALID_REQUEST")
    error(client.post("/v1/quotes", json={"kind": "new", "product": "desktop",
                                          "seats": 10**12}), 422, "INVALID_SEATS")


def test_renewal_without_maintenance(ctx: Context, client: TestClient) -> None:
    lic = create_license(ctx, seats=1)  # desktop has no maintenance
    error(client.post("/v1/quotes", json={"kind": "renewal", **license_info(lic)}),
          409, "NO_MAINTENANCE")


def test_upgrade_prices_table(client: TestClient) -> None:
    rows = client.get("/v1/products/desktop/upgrade-prices").json()["data"]
    table = {(r["from_seats"], r["to_seats"]): r["price"] for r in rows}
    assert table[(1, 5)] == {"amount": 34000, "currency": "USD"}
    assert all((a, b) in table for a in range(1, 11) for b in range(a + 1, 11))
    assert (49, 50) in table and (24, 25) in table
    tiers = client.get("/v1/products/confluence-server/upgrade-prices").json()["data"]
    assert {"from_seats": 500, "to_seats": None,
            "price": {"amount": 400000, "currency": "USD"}} in tiers
    error(client.get("/v1/products/nope/upgrade-prices"), 404, "UNKNOWN_PRODUCT")
    error(client.get("/v1/products/confluence-cloud/upgrade-prices"), 409, "NOT_UPGRADABLE")


def test_quote_does_not_change_the_license(ctx: Context, client: TestClient) -> None:
    lic = create_license(ctx, seats=1)
    quote(client, kind="upgrade", seats=5, **license_info(lic))
    got = client.post("/v1/licenses/validate", json=license_info(lic)).json()
    assert got["code"] == "VALID" and got["license"]["seats"] == 1


