"""The desktop -> plugin coupon on quotes: it takes its amount off a server plugin's quote and
is used up once paid; a desktop quote refuses it (COUPON_NOT_APPLICABLE, reason product)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from licensor.core.context import Context
from tests.builders import create_license, license_info
from tests.orders.helpers import error, order, pay

URL = "/v1/credits/desktop-to-plugin"


def test_the_coupon_pays_part_of_a_server_plugin_not_of_desktop(
        ctx: Context, client: TestClient, admin: dict[str, str]) -> None:
    r = client.post(URL, json=license_info(create_license(ctx, seats=5)), headers=admin)
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    r = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 5,
                                        "coupon": code})
    body = error(r, 409, "COUPON_NOT_APPLICABLE")
    assert body["details"]["reason"] == "product"
    r = client.post("/v1/quotes", json={"kind": "new", "product": "confluence-server",
                                        "seats": 10, "coupon": code.lower()})
    assert r.status_code == 201, r.text
    q = r.json()
    assert q["total"] == {"amount": 30000 - 21450, "currency": "USD"}
    assert [line["amount"]["amount"] for line in q["lines"]] == [30000, -21450]
    assert code in q["lines"][1]["description"]
    pay(client, order(client, q["id"])["id"])
    got = client.get(f"/v1/coupons/{code}", headers=admin).json()
    assert got["times_redeemed"] == 1
    # Single use: the next quote with it is refused.
    r = client.post("/v1/quotes", json={"kind": "new", "product": "jira-server", "seats": 10,
                                        "coupon": code})
    error(r, 409, "COUPON_EXHAUSTED")
