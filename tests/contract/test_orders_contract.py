"""The quotes, orders and payment contract, black-box over HTTP (sandbox payments and clock)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.contract.helpers import (
    BUYER,
    ORDER_FIELDS,
    QUOTE_FIELDS,
    advance,
    assert_license,
    buy,
    err,
    info,
    is_money,
    is_time,
    new_license,
    outbox,
)


def assert_quote(q: dict[str, Any]) -> None:
    assert QUOTE_FIELDS <= set(q), QUOTE_FIELDS - set(q)
    assert q["kind"] in ("new", "upgrade", "renewal")
    assert q["lines"] and all(set(line) >= {"description", "amount"} and
                              isinstance(line["description"], str) and
                              is_money(line["amount"]) for line in q["lines"])
    assert is_money(q["total"]) and q["currency"] == "USD"
    assert q["total"]["amount"] == sum(line["amount"]["amount"] for line in q["lines"])
    assert is_time(q["expires_at"])
    assert q["maintenance_until"] is None or is_time(q["maintenance_until"])


def assert_order(o: dict[str, Any]) -> None:
    assert ORDER_FIELDS <= set(o), ORDER_FIELDS - set(o)
    assert o["status"] in ("awaiting_payment", "paid", "fulfilled", "refunded", "canceled")
    assert o["payment_method"] in ("card", "invoice") and is_money(o["total"])
    assert is_time(o["created_at"]) and (o["due_at"] is None or is_time(o["due_at"]))
    for lic in o["licenses"]:
        assert_license(lic)


def post_quote(client: TestClient, **body: Any) -> dict[str, Any]:
    r = client.post("/v1/quotes", json=body)
    assert r.status_code == 201, r.text
    assert_quote(r.json())
    result: dict[str, Any] = r.json()
    return result


def order(client: TestClient, quote_id: str, method: str = "card", **extra: Any) -> Any:
    return client.post("/v1/orders", json={"quote_id": quote_id, "buyer": BUYER,
                                           "payment_method": method, **extra})


def test_new_quote_order_and_card_payment(client: TestClient, admin: dict[str, str]) -> None:
    client.put("/v1/sandbox/clock", json={"now": "2030-01-01T00:00:00Z"}, headers=admin)
    q = post_quote(client, kind="new", product="desktop", seats=5)
    assert q["kind"] == "new" and q["product"] == "desktop" and q["seats"] == 5
    assert q["total"] == {"amount": 42900, "currency": "USD"} and q["license_id"] is None
    now = datetime.fromisoformat(client.get("/v1/sandbox/clock").json()["now"])
    assert datetime.fromisoformat(q["expires_at"]) - now == timedelta(days=60)
    assert client.get(f"/v1/quotes/{q['id']}").json()["id"] == q["id"]
    r = order(client, q["id"])
    assert r.status_code == 201
    o = r.json()
    assert_order(o)
    assert o["status"] == "awaiting_payment" and o["kind"] == "new" and o["licenses"] == []
    assert o["total"] == q["total"] and o["payment_method"] == "card" and o["due_at"] is None
    paid = client.post(f"/v1/orders/{o['id']}/pay", json={"card_token": "tok_visa"})
    assert paid.status_code == 200
    p = paid.json()
    assert_order(p)
    assert p["status"] == "fulfilled" and len(p["licenses"]) == 1
    lic = p["licenses"][0]
    assert lic["seats"] == 5 and lic["license_name"] == "Acme Inc"  # the buyer's company
    assert lic["email"] == BUYER["email"]
    assert client.post("/v1/licenses/validate", json=info(lic)).json()["code"] == "VALID"
    assert any(lic["license_key"] in m["body"] for m in outbox(client, admin, BUYER["email"]))
    got = client.get(f"/v1/orders/{o['id']}", headers=admin)
    assert got.status_code == 200 and got.json()["status"] == "fulfilled"
    assert err(client.get("/v1/orders/nope", headers=admin))[0] == 404


def test_license_name_defaults_and_override(client: TestClient) -> None:
    q = post_quote(client, kind="new", product="desktop", seats=1)
    o = buy(client, {"kind": "new", "product": "desktop", "seats": 1},
            buyer={"name": "Solo Dev", "email": "solo@dev.test"})
    assert o["licenses"][0]["license_name"] == "Solo Dev"
    r = order(client, q["id"], license_name="Named Ltd").json()
    p = client.post(f"/v1/orders/{r['id']}/pay", json={"card_token": "tok_visa"}).json()
    assert p["licenses"][0]["license_name"] == "Named Ltd"


def test_published_upgrade_example_1_to_5_users_is_340(client: TestClient,
                                                        admin: dict[str, str]) -> None:
    lic = new_license(client, admin, seats=1, license_name="Upgraders")
    client.post("/v1/registrations", json={**info(lic), "user": "ann"})
    q = post_quote(client, kind="upgrade", **info(lic), seats=5)
    assert q["kind"] == "upgrade" and q["license_id"] == lic["id"] and q["seats"] == 5
    assert q["total"] == {"amount": 34000, "currency": "USD"}
    o = buy(client, {"kind": "upgrade", **info(lic), "seats": 5}, license_name="Ignored")
    new = o["licenses"][0]
    assert new["seats"] == 5 and new["license_name"] == "Upgraders"  # keeps the name
    assert new["id"] != lic["id"] and new["license_key"] != lic["license_key"]
    assert {r["user"] for r in new["registrations"]} == {"ann"}
    old = client.get(f"/v1/licenses/{lic['id']}", headers=admin).json()
    assert old["status"] == "superseded" and old["superseded_by"] == new["id"]


def test_renewal_of_a_server_license(client: TestClient, admin: dict[str, str]) -> None:
    lic = new_license(client, admin, product="confluence-server", seats=25)
    q = post_quote(client, kind="renewal", **info(lic))
    assert q["kind"] == "renewal" and q["license_id"] == lic["id"]
    assert q["total"]["amount"] == 30000  # 50% of the 25-editor tier (600)
    assert q["maintenance_until"] > lic["maintenance_until"]
    o = buy(client, {"kind": "renewal", **info(lic)})
    renewed = o["licenses"][0]
    assert renewed["maintenance_until"] == q["maintenance_until"]
    assert client.post("/v1/licenses/validate", json=info(renewed)).json()["code"] == "VALID"
    assert client.post("/v1/licenses/validate", json=info(lic)).json()["code"] == "SUPERSEDED"


def test_quote_errors(client: TestClient, admin: dict[str, str]) -> None:
    desktop = new_license(client, admin, seats=5)
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"kind": "upgrade", **info(desktop), "seats": 5}, 409, "UPGRADE_NOT_LARGER"),
        ({"kind": "upgrade", **info(desktop), "seats": 3}, 409, "UPGRADE_NOT_LARGER"),
        ({"kind": "new", "product": "confluence-cloud", "seats": 10}, 409,
         "SOLD_BY_MARKETPLACE"),
        ({"kind": "new", "product": "google-drive", "seats": 5}, 409, "SINGLE_USER_ONLY"),
        ({"kind": "new", "product": "mybalsamiq", "seats": 3}, 409, "NOT_UPGRADABLE"),
        ({"kind": "renewal", **info(desktop)}, 409, "NO_MAINTENANCE"),
        ({"kind": "upgrade", "license_name": "Nope", "license_key": desktop["license_key"],
          "seats": 9}, 422, "INVALID_LICENSE"),
        ({"kind": "renewal", "license_name": "X", "license_key": "garbage"}, 422,
         "INVALID_LICENSE"),
        ({"kind": "new", "product": "confluence-server", "seats": 7}, 422, "INVALID_TIER"),
        ({"kind": "new", "product": "desktop", "seats": 0}, 422, "INVALID_SEATS"),
        ({"kind": "new", "product": "desktop", "seats": -3}, 422, "INVALID_SEATS"),
        ({"kind": "new", "product": "desktop", "seats": None}, 422, "INVALID_SEATS"),
        ({"kind": "new", "product": "nope", "seats": 1}, 404, "UNKNOWN_PRODUCT"),
    ]
    for body, status, code in cases:
        assert err(client.post("/v1/quotes", json=body)) == (status, code), body
    market = new_license(client, admin, product="confluence-server", seats=10,
                         channel="marketplace", sen="SEN-L7")
    for body in ({"kind": "upgrade", **info(market), "seats": 25},
                 {"kind": "renewal", **info(market)}):
        r = client.post("/v1/quotes", json=body)
        assert err(r) == (409, "UPGRADE_VIA_MARKETPLACE") and r.json()["error"]["details"]["url"]
    r = client.post("/v1/quotes", json={"kind": "new", "product": "jira-cloud", "seats": 10})
    assert err(r) == (409, "SOLD_BY_MARKETPLACE") and r.json()["error"]["details"]["url"]

    buy(client, {"kind": "upgrade", **info(desktop), "seats": 10})
    for body in ({"kind": "upgrade", **info(desktop), "seats": 20},
                 {"kind": "renewal", **info(desktop)}):
        r = client.post("/v1/quotes", json=body)
        assert err(r) == (409, "LICENSE_SUPERSEDED") and r.json()["error"]["details"][
            "superseded_by"]
    revoked = new_license(client, admin, product="confluence-server", seats=10)
    client.post(f"/v1/licenses/{revoked['id']}/revoke", json={"reason": "x"}, headers=admin)
    for body in ({"kind": "upgrade", **info(revoked), "seats": 25},
                 {"kind": "renewal", **info(revoked)}):
        assert err(client.post("/v1/quotes", json=body)) == (409, "LICENSE_REVOKED"), body
    assert err(client.post("/v1/quotes", json={"kind": "swap"}))[0] == 422


def test_order_errors(client: TestClient, admin: dict[str, str]) -> None:
    small = post_quote(client, kind="new", product="desktop", seats=3)  # 267.00
    assert err(order(client, small["id"], "invoice")) == (409, "PAYMENT_METHOD_NOT_ALLOWED")
    assert err(order(client, "quo_nope"))[0] == 404
    kept = post_quote(client, kind="new", product="desktop", seats=1)
    advance(client, admin, 59)
    assert order(client, kept["id"]).status_code == 201  # quotes are valid 60 days
    advance(client, admin, 2)
    assert err(order(client, small["id"])) == (409, "QUOTE_EXPIRED")
    bad = client.post("/v1/orders", json={"quote_id": small["id"], "buyer": BUYER,
                                          "payment_method": "cash"})
    assert err(bad) == (422, "INVALID_REQUEST") and bad.json()["error"]["details"][
        "field"] == "payment_method"


def test_card_declined_changes_nothing(client: TestClient, admin: dict[str, str]) -> None:
    lic = new_license(client, admin, seats=1)
    q = post_quote(client, kind="upgrade", **info(lic), seats=5)
    o = order(client, q["id"]).json()
    r = client.post(f"/v1/orders/{o['id']}/pay", json={"card_token": "tok_declined"})
    assert err(r) == (402, "CARD_DECLINED")
    assert client.get(f"/v1/orders/{o['id']}", headers=admin).json()["status"] == (
        "awaiting_payment")
    assert client.get(f"/v1/licenses/{lic['id']}", headers=admin).json()["status"] == "active"
    assert client.post("/v1/licenses/validate", json=info(lic)).json()["code"] == "VALID"
    again = client.post(f"/v1/orders/{o['id']}/pay", json={"card_token": "tok_visa"})
    assert again.status_code == 200 and again.json()["status"] == "fulfilled"


def test_quote_stale(client: TestClient, admin: dict[str, str]) -> None:
    lic = new_license(client, admin, seats=1)
    first = order(client, post_quote(client, kind="upgrade", **info(lic), seats=5)["id"]).json()
    second = order(client, post_quote(client, kind="upgrade", **info(lic), seats=10)["id"]).json()
    assert client.post(f"/v1/orders/{second['id']}/pay",
                       json={"card_token": "tok_visa"}).status_code == 200
    r = client.post(f"/v1/orders/{first['id']}/pay", json={"card_token": "tok_visa"})
    assert err(r) == (409, "QUOTE_STALE")
    assert client.get(f"/v1/orders/{first['id']}", headers=admin).json()["status"] == (
        "awaiting_payment")


def test_invoice_flow(client: TestClient, admin: dict[str, str]) -> None:
    q = post_quote(client, kind="new", product="confluence-server", seats=10)  # exactly 300.00
    r = client.post("/v1/orders", json={"quote_id": q["id"], "payment_method": "invoice",
                                        "buyer": {**BUYER, "po_number": "PO-1",
                                                  "address": "1 Main St, Springfield"}})
    assert r.status_code == 201, r.text
    o = r.json()
    assert_order(o)
    assert o["status"] == "awaiting_payment" and o["payment_method"] == "invoice"
    assert is_time(o["due_at"]) and o["licenses"] == []
    assert err(client.post(f"/v1/orders/{o['id']}/mark-paid"))[0] == 401
    done = client.post(f"/v1/orders/{o['id']}/mark-paid", headers=admin)
    assert done.status_code == 200
    assert done.json()["status"] == "fulfilled" and len(done.json()["licenses"]) == 1
    assert done.json()["licenses"][0]["seats"] == 10


def test_refunds_and_the_60_day_window(client: TestClient, admin: dict[str, str]) -> None:
    o = buy(client, {"kind": "new", "product": "desktop", "seats": 2})
    lic = o["licenses"][0]
    r = client.post(f"/v1/orders/{o['id']}/refund", json={}, headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "refunded"
    assert client.post("/v1/licenses/validate", json=info(lic)).json()["valid"] is False

    base = new_license(client, admin, seats=1)
    up = buy(client, {"kind": "upgrade", **info(base), "seats": 5})
    assert client.post(f"/v1/orders/{up['id']}/refund", headers=admin).status_code == 200
    assert client.post("/v1/licenses/validate", json=info(base)).json()["code"] == "VALID"

    late = buy(client, {"kind": "new", "product": "desktop", "seats": 1})
    advance(client, admin, 61)
    r = client.post(f"/v1/orders/{late['id']}/refund", json={}, headers=admin)
    assert err(r) == (409, "REFUND_WINDOW_PASSED")
    assert client.get(f"/v1/orders/{late['id']}", headers=admin).json()["status"] == "fulfilled"
    forced = client.post(f"/v1/orders/{late['id']}/refund", json={"force": True}, headers=admin)
    assert forced.status_code == 200 and forced.json()["status"] == "refunded"


@pytest.mark.parametrize("path", ["pay", "mark-paid", "refund"])
def test_unknown_order_is_404(client: TestClient, admin: dict[str, str], path: str) -> None:
    body = {"card_token": "tok_visa"} if path == "pay" else {}
    assert err(client.post(f"/v1/orders/nope/{path}", json=body, headers=admin))[0] == 404
