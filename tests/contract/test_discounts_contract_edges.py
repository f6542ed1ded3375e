"""Outside acceptance tests of discounts at their edges, black-box over HTTP: times answered in
UTC, codes created in any case, the invoice threshold on the discounted total, and what a
refund takes out of a license's paid lineage."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.builders import usd_json
from tests.contract.helpers import BUYER, buy, err, info, is_time

Json = dict[str, Any]


def test_redeem_by_is_answered_in_utc(client: TestClient, admin: dict[str, str]) -> None:
    r = client.post("/v1/coupons", headers=admin, json={
        "code": "ZONED", "name": "Z", "percent_off": 5, "redeem_by": "2031-01-01T02:00:00+02:00"})
    assert r.status_code == 201, r.text
    for c in (r.json(), client.get("/v1/coupons/zoned", headers=admin).json()):
        assert is_time(c["redeem_by"]) and c["redeem_by"].startswith("2031-01-01T00:00:00"), c


def test_a_code_created_in_lower_case_is_found_in_any(client: TestClient,
                                                      admin: dict[str, str]) -> None:
    r = client.post("/v1/coupons", json={"code": "summer", "name": "S", "percent_off": 10},
                    headers=admin)
    assert r.status_code == 201, r.text
    assert client.get("/v1/coupons/SUMMER", headers=admin).json()["id"] == r.json()["id"]
    q = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 1,
                                        "coupon": "SuMmEr"})
    assert q.status_code == 201 and q.json()["total"] == usd_json(8010)


def test_invoice_threshold_is_on_the_discounted_total(client: TestClient,
                                                      admin: dict[str, str]) -> None:
    r = client.post("/v1/coupons", json={"code": "TWENTY", "name": "T", "percent_off": 20},
                    headers=admin)
    assert r.status_code == 201, r.text
    q = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 4,
                                        "coupon": "TWENTY"}).json()
    assert q["total"] == usd_json(28480)  # 356.00 less 20%: under 300.00
    o = client.post("/v1/orders", json={"quote_id": q["id"], "buyer": BUYER,
                                        "payment_method": "invoice"})
    assert err(o) == (409, "PAYMENT_METHOD_NOT_ALLOWED")


def test_a_refunded_upgrade_is_not_credited(client: TestClient, admin: dict[str, str]) -> None:
    one = buy(client, {"kind": "new", "product": "desktop", "seats": 1})["licenses"][0]
    up = buy(client, {"kind": "upgrade", **info(one), "seats": 5})
    back = client.post(f"/v1/orders/{up['id']}/refund", json={}, headers=admin)
    assert back.status_code == 200, back.text
    a = client.post("/v1/accounts", json={"email": "owner@example.com", "name": "O",
                                          "password": "s3cret-pass"}).json()
    owner = {"Authorization": f"Bearer {a['token']}"}
    site = client.post("/v1/sites", json={"name": "S"}, headers=owner).json()
    assert client.post("/v1/subscriptions", headers=owner, json={
        "site_id": site["id"], "plan": "small", "interval": "month",
        "card_token": "tok_visa"}).status_code == 201
    r = client.post(f"/v1/sites/{site['id']}/desktop-credit", json=info(one), headers=owner)
    assert 200 <= r.status_code < 300, r.text  # the restored 1-user license, paid 89.00
    sub = client.get(f"/v1/subscriptions/{site['subscription']['id']}", headers=owner).json()
    assert sub["credit_balance"] == usd_json(4450)


def test_the_discount_paths_are_published(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    wanted = {("/v1/coupons", "post"), ("/v1/coupons", "get"), ("/v1/credits/desktop-to-plugin",
              "post")}
    assert all(method in paths.get(path, {}) for path, method in wanted), sorted(paths)
    assert any(p.startswith("/v1/coupons/{") and {"get", "patch"} <= set(paths[p])
               for p in paths), sorted(paths)
    assert any(p.startswith("/v1/sites/{") and p.endswith("/desktop-credit") for p in paths)


def test_a_subscription_under_the_minimum(client: TestClient, admin: dict[str, str]) -> None:
    r = client.post("/v1/coupons", json={"code": "BIGPLAN", "name": "B", "percent_off": 10,
                                         "minimum_amount": usd_json(5000)}, headers=admin)
    assert r.status_code == 201, r.text
    a = client.post("/v1/accounts", json={"email": "min@example.com", "name": "M",
                                          "password": "s3cret-pass"}).json()
    owner = {"Authorization": f"Bearer {a['token']}"}
    site = client.post("/v1/sites", json={"name": "S"}, headers=owner).json()
    body = {"site_id": site["id"], "plan": "small", "interval": "month",
            "card_token": "tok_visa", "coupon": "BIGPLAN"}
    r = client.post("/v1/subscriptions", json=body, headers=owner)  # 12.00 a month
    assert err(r) == (409, "COUPON_NOT_APPLICABLE")
    assert r.json()["error"]["details"].get("reason") == "minimum_amount"
    r = client.post("/v1/subscriptions", json={**body, "plan": "large"}, headers=owner)
    assert r.status_code == 201, r.text  # 99.00 a month


def test_with_a_forever_coupon_a_preview_equals_the_change(client: TestClient,
                                                           admin: dict[str, str]) -> None:
    client.put("/v1/sandbox/clock", json={"now": "2030-03-01T00:00:00Z"}, headers=admin)
    r = client.post("/v1/coupons", json={"code": "ALWAYS", "name": "A", "percent_off": 15,
                                         "duration": "forever"}, headers=admin)
    assert r.status_code == 201, r.text
    a = client.post("/v1/accounts", json={"email": "pv@example.com", "name": "P",
                                          "password": "s3cret-pass"}).json()
    owner = {"Authorization": f"Bearer {a['token']}"}
    site = client.post("/v1/sites", json={"name": "S"}, headers=owner).json()
    sub = client.post("/v1/subscriptions", headers=owner, json={
        "site_id": site["id"], "plan": "small", "interval": "month", "card_token": "tok_visa",
        "coupon": "ALWAYS"}).json()
    client.post("/v1/sandbox/clock/advance", json={"seconds": 9 * 86400 + 7}, headers=admin)
    path = f"/v1/subscriptions/{sub['id']}/change"
    preview = client.post(f"{path}/preview", json={"plan": "medium"}, headers=owner)
    done = client.post(path, json={"plan": "medium"}, headers=owner)
    assert preview.status_code == done.status_code == 200, done.text
    keys = ("lines", "net", "credit_applied", "amount_due", "credit_balance_after")
    assert {k: preview.json()[k] for k in keys} == {k: done.json()[k] for k in keys}


def test_refunding_an_order_gives_the_plugin_coupon_back(client: TestClient,
                                                         admin: dict[str, str]) -> None:
    desk = client.post("/v1/licenses", headers=admin, json={
        "product": "desktop", "seats": 1, "license_name": "D", "email": "d@acme.test"}).json()
    c = client.post("/v1/credits/desktop-to-plugin", json=info(desk), headers=admin).json()
    assert c["amount_off"] == usd_json(4450)
    o = buy(client, {"kind": "new", "product": "confluence-server", "seats": 10,
                     "coupon": c["code"]})
    assert o["total"] == usd_json(30000 - 4450)
    back = client.post(f"/v1/orders/{o['id']}/refund", json={}, headers=admin)
    assert back.status_code == 200, back.text
    assert client.get(f"/v1/coupons/{c['code']}", headers=admin).json()["times_redeemed"] == 0
    again = buy(client, {"kind": "new", "product": "jira-server", "seats": 10,
                         "coupon": c["code"]})
    assert again["total"] == usd_json(30000 - 4450)
