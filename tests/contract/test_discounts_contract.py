"""Outside acceptance tests of the coupons contract, black-box over HTTP: the admin API for
coupons, and coupons in quotes, orders and refunds (sandbox payments and clock only)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.builders import usd_json
from tests.contract.helpers import BUYER, buy, err, info, is_money, is_time, new_license

Json = dict[str, Any]
SPRING = {"code": "SPRING20", "name": "Spring sale", "percent_off": 20}


def coupon(client: TestClient, admin: dict[str, str], **body: Any) -> Json:
    r = client.post("/v1/coupons", json=body, headers=admin)
    assert r.status_code == 201, r.text
    result: Json = r.json()
    return result


def redeemed(client: TestClient, admin: dict[str, str], code: str) -> int:
    r = client.get(f"/v1/coupons/{code}", headers=admin)
    assert r.status_code == 200, r.text
    return int(r.json()["times_redeemed"])


def refusal(r: Any, status: int, code: str) -> Json:
    assert (r.status_code, r.json().get("error", {}).get("code")) == (status, code), r.text
    assert err(r) == (status, code)
    details: Json = r.json()["error"]["details"]
    return details


def discounted(client: TestClient, code: str, **body: Any) -> Json:
    r = client.post("/v1/quotes", json={**body, "coupon": code})
    assert r.status_code == 201, r.text
    q: Json = r.json()
    assert q["total"]["amount"] == sum(line["amount"]["amount"] for line in q["lines"])
    return q


def discount_line(q: Json, code: str) -> Json:
    """The discount is its own line, with a negative amount, naming the code."""
    [found] = [x for x in q["lines"] if x["amount"]["amount"] < 0]
    assert code.lower() in found["description"].lower(), found
    assert is_money(found["amount"])
    return found


def order(client: TestClient, quote_id: str, buyer: Json | None = None,
          method: str = "card") -> Any:
    return client.post("/v1/orders", json={"quote_id": quote_id, "buyer": buyer or BUYER,
                                           "payment_method": method})


def order_and_pay(client: TestClient, quote_id: str, buyer: Json | None = None) -> Any:
    """The first refusal of ordering or paying, else the paid order's response."""
    o = order(client, quote_id, buyer)
    if o.status_code != 201:
        return o
    return client.post(f"/v1/orders/{o.json()['id']}/pay", json={"card_token": "tok_visa"})


# -- the admin API ----------------------------------------------------------------------------

def test_create_read_list_and_disable_a_coupon(client: TestClient, admin: dict[str, str]) -> None:
    c = coupon(client, admin, **SPRING)
    assert set(c) >= {"code", "name", "percent_off", "id", "times_redeemed", "active"}, c
    assert isinstance(c["id"], str) and c["id"]
    assert c["code"].upper() == "SPRING20" and c["name"] == "Spring sale"
    assert float(c["percent_off"]) == 20.0
    assert c["times_redeemed"] == 0 and c["active"] is True
    for spelled in ("SPRING20", "spring20", "Spring20"):  # codes are case-insensitive
        r = client.get(f"/v1/coupons/{spelled}", headers=admin)
        assert r.status_code == 200 and r.json()["id"] == c["id"]
    listed = client.get("/v1/coupons", headers=admin)
    assert listed.status_code == 200 and set(listed.json()) >= {"data", "next_cursor"}
    assert [x["id"] for x in listed.json()["data"]] == [c["id"]]
    off = client.patch("/v1/coupons/spring20", json={"active": False}, headers=admin)
    assert off.status_code == 200 and off.json()["active"] is False
    r = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 5,
                                        "coupon": "SPRING20"})
    assert r.status_code in (404, 409) and err(r)[0] == r.status_code  # not applied
    on = client.patch("/v1/coupons/SPRING20", json={"active": True}, headers=admin)
    assert on.status_code == 200 and on.json()["active"] is True
    assert discounted(client, "SPRING20", kind="new", product="desktop", seats=5)


def test_amount_off_coupon_and_its_shape(client: TestClient, admin: dict[str, str]) -> None:
    c = coupon(client, admin, code="TENOFF", name="Ten off", amount_off=usd_json(1000))
    assert c["amount_off"] == usd_json(1000) and c["times_redeemed"] == 0 and c["active"] is True


def test_every_term_reads_back(client: TestClient, admin: dict[str, str]) -> None:
    terms = {"code": "FULL", "name": "Full", "percent_off": 12.5,
             "applies_to": {"products": ["desktop"], "kinds": ["new", "upgrade"]},
             "duration": "repeating", "duration_in_months": 3, "max_redemptions": 7,
             "redeem_by": "2031-01-01T00:00:00Z", "once_per_customer": True,
             "minimum_amount": usd_json(10000)}
    c = coupon(client, admin, **terms)
    got = client.get("/v1/coupons/full", headers=admin).json()
    for one in (c, got):
        assert float(one["percent_off"]) == 12.5 and one["minimum_amount"] == usd_json(10000)
        assert set(one["applies_to"]["products"]) == {"desktop"}
        assert set(one["applies_to"]["kinds"]) == {"new", "upgrade"}
        assert (one["duration"], one["duration_in_months"], one["max_redemptions"]) == (
            "repeating", 3, 7)
        assert one["once_per_customer"] is True and is_time(one["redeem_by"])
        assert one["redeem_by"].startswith("2031-01-01T00:00:00")


def test_coupon_list_is_paginated(client: TestClient, admin: dict[str, str]) -> None:
    for n in range(3):
        coupon(client, admin, code=f"PAGE{n}", name="P", percent_off=5)
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(5):
        params: Json = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/coupons", params=params, headers=admin)
        assert page.status_code == 200 and len(page.json()["data"]) <= 1
        seen += [x["code"].upper() for x in page.json()["data"]]
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == ["PAGE0", "PAGE1", "PAGE2"]


def test_creating_a_coupon_is_idempotent(client: TestClient, admin: dict[str, str]) -> None:
    key = {**admin, "Idempotency-Key": "coupon-key-1"}
    first = client.post("/v1/coupons", json=SPRING, headers=key)
    again = client.post("/v1/coupons", json=SPRING, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    other = client.post("/v1/coupons", json={**SPRING, "code": "OTHER"}, headers=key)
    assert err(other) == (422, "IDEMPOTENCY_KEY_REUSED")


def test_an_ill_typed_patch_is_invalid_request(client: TestClient, admin: dict[str, str]) -> None:
    coupon(client, admin, **SPRING)
    for body in ({"active": "maybe"}, {"active": None}, {}, [True]):
        r = client.patch("/v1/coupons/SPRING20", json=body, headers=admin)
        assert err(r) == (422, "INVALID_REQUEST"), (body, r.text)
    assert client.get("/v1/coupons/SPRING20", headers=admin).json()["active"] is True


def test_coupons_are_admin_only(client: TestClient, admin: dict[str, str]) -> None:
    coupon(client, admin, **SPRING)
    for r in (client.post("/v1/coupons", json={**SPRING, "code": "OTHER"}),
              client.get("/v1/coupons"), client.get("/v1/coupons/SPRING20"),
              client.patch("/v1/coupons/SPRING20", json={"active": False})):
        assert err(r) == (401, "UNAUTHENTICATED")
    assert client.get("/v1/coupons/SPRING20", headers=admin).json()["active"] is True


def test_unknown_coupon_is_404(client: TestClient, admin: dict[str, str]) -> None:
    refusal(client.get("/v1/coupons/NOPE", headers=admin), 404, "UNKNOWN_COUPON")
    refusal(client.patch("/v1/coupons/NOPE", json={"active": False}, headers=admin), 404,
            "UNKNOWN_COUPON")
    r = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 1,
                                        "coupon": "NOPE"})
    refusal(r, 404, "UNKNOWN_COUPON")


def test_a_code_is_taken_whatever_its_case(client: TestClient, admin: dict[str, str]) -> None:
    coupon(client, admin, **SPRING)
    r = client.post("/v1/coupons", json={**SPRING, "code": "spring20"}, headers=admin)
    assert 400 <= r.status_code < 500 and err(r)[0] == r.status_code
    assert len(client.get("/v1/coupons", headers=admin).json()["data"]) == 1


@pytest.mark.parametrize(("bad", "field"), [
    ({"percent_off": 0}, "percent_off"), ({"percent_off": 101}, "percent_off"),
    ({"percent_off": 12.345}, "percent_off"), ({"percent_off": -5}, "percent_off"),
    ({"percent_off": 10, "amount_off": usd_json(1000)}, "_off"), ({}, "_off"),
    ({"amount_off": usd_json(0)}, "amount_off"), ({"amount_off": usd_json(-100)}, "amount_off"),
    ({"amount_off": 1000}, "amount_off"), ({"percent_off": "ten"}, "percent_off"),
    ({"percent_off": 10, "duration": "sometimes"}, "duration"),
    ({"percent_off": 10, "applies_to": {"kinds": ["gift"]}}, "kinds"),
    ({"percent_off": 10, "max_redemptions": 0}, "max_redemptions"),
    ({"percent_off": 10, "redeem_by": "not a time"}, "redeem_by"),
])
def test_bad_coupon_bodies_are_invalid_request(client: TestClient, admin: dict[str, str],
                                               bad: Json, field: str) -> None:
    r = client.post("/v1/coupons", json={"code": "BAD", "name": "Bad", **bad}, headers=admin)
    assert err(r) == (422, "INVALID_REQUEST"), r.text
    e = r.json()["error"]
    assert field in str(e["details"].get("field", "")) + e["message"], e  # the field named
    refusal(client.get("/v1/coupons/BAD", headers=admin), 404, "UNKNOWN_COUPON")


@pytest.mark.parametrize("missing", ["code", "name"])
def test_a_coupon_needs_a_code_and_a_name(client: TestClient, admin: dict[str, str],
                                          missing: str) -> None:
    body = {k: v for k, v in SPRING.items() if k != missing}
    assert err(client.post("/v1/coupons", json=body, headers=admin)) == (422, "INVALID_REQUEST")


@pytest.mark.parametrize("percent", [1, 100, 12.5, 12.34])
def test_percent_limits_accepted(client: TestClient, admin: dict[str, str],
                                 percent: float) -> None:
    c = coupon(client, admin, code="OK", name="Ok", percent_off=percent)
    assert float(c["percent_off"]) == percent


# -- coupons in quotes ------------------------------------------------------------------------

def test_golden_desktop_5_users_with_20_percent_off(client: TestClient,
                                                    admin: dict[str, str]) -> None:
    coupon(client, admin, **SPRING)
    q = discounted(client, "spring20", kind="new", product="desktop", seats=5)
    assert q["total"] == usd_json(34320)
    assert discount_line(q, "SPRING20")["amount"] == usd_json(-8580)
    paid = order_and_pay(client, q["id"])
    assert paid.status_code == 200, paid.text
    assert paid.json()["total"] == usd_json(34320) and paid.json()["status"] == "fulfilled"
    assert paid.json()["licenses"][0]["seats"] == 5


def test_golden_10_dollars_off_one_desktop_user(client: TestClient,
                                                admin: dict[str, str]) -> None:
    coupon(client, admin, code="TENOFF", name="Ten off", amount_off=usd_json(1000))
    q = discounted(client, "TenOff", kind="new", product="desktop", seats=1)
    assert q["total"] == usd_json(7900)
    assert discount_line(q, "TENOFF")["amount"] == usd_json(-1000)


def test_a_two_decimal_percent(client: TestClient, admin: dict[str, str]) -> None:
    coupon(client, admin, code="ODD", name="Odd", percent_off=12.34)
    q = discounted(client, "ODD", kind="new", product="desktop", seats=1)
    assert discount_line(q, "ODD")["amount"] == usd_json(-1098)  # 12.34% of 89.00 = 10.98
    assert q["total"] == usd_json(7802)
    assert client.get(f"/v1/quotes/{q['id']}").json()["total"] == usd_json(7802)


def test_coupons_on_upgrades_and_renewals(client: TestClient, admin: dict[str, str]) -> None:
    coupon(client, admin, code="LOYAL", name="Loyal", percent_off=10,
           applies_to={"kinds": ["upgrade", "renewal"]})
    desk = new_license(client, admin, seats=1)
    up = discounted(client, "LOYAL", kind="upgrade", **info(desk), seats=5)
    assert up["total"] == usd_json(30600)  # (429 - 89) less 10%
    server = new_license(client, admin, product="confluence-server", seats=25)
    renewal = discounted(client, "loyal", kind="renewal", **info(server))
    assert renewal["total"] == usd_json(27000)  # 50% of 600, less 10%
    discount_line(renewal, "LOYAL")


def test_refunding_a_discounted_upgrade_gives_the_use_back(client: TestClient,
                                                          admin: dict[str, str]) -> None:
    coupon(client, admin, code="UP10", name="Up", percent_off=10, max_redemptions=1)
    desk = new_license(client, admin, seats=1)
    o = buy(client, {"kind": "upgrade", **info(desk), "seats": 5, "coupon": "UP10"})
    assert o["total"] == usd_json(30600) and redeemed(client, admin, "UP10") == 1
    back = client.post(f"/v1/orders/{o['id']}/refund", json={}, headers=admin)
    assert back.status_code == 200 and back.json()["status"] == "refunded"
    assert redeemed(client, admin, "UP10") == 0
    assert client.get(f"/v1/licenses/{desk['id']}", headers=admin).json()["status"] == "active"
    assert discounted(client, "UP10", kind="upgrade", **info(desk), seats=5)


def test_not_applicable_says_why(client: TestClient, admin: dict[str, str]) -> None:
    coupon(client, admin, code="SERVERONLY", name="S", percent_off=10,
           applies_to={"products": ["confluence-server"]})
    coupon(client, admin, code="UPONLY", name="U", percent_off=10,
           applies_to={"kinds": ["upgrade"]})
    coupon(client, admin, code="BIGONLY", name="B", percent_off=10, minimum_amount=usd_json(50000))
    coupon(client, admin, code="EUROS", name="E", amount_off={"amount": 1000, "currency": "EUR"})
    new_desktop = {"kind": "new", "product": "desktop", "seats": 1}
    for code, reason in (("SERVERONLY", "product"), ("UPONLY", "kind"),
                         ("BIGONLY", "minimum_amount"), ("EUROS", "currency")):
        r = client.post("/v1/quotes", json={**new_desktop, "coupon": code})
        assert refusal(r, 409, "COUPON_NOT_APPLICABLE").get("reason") == reason, code
    assert discounted(client, "BIGONLY", kind="new", product="desktop", seats=10)  # 800.00
    assert discounted(client, "SERVERONLY", kind="new", product="confluence-server", seats=10)


def test_expired_coupon(client: TestClient, admin: dict[str, str]) -> None:
    client.put("/v1/sandbox/clock", json={"now": "2030-01-01T00:00:00Z"}, headers=admin)
    coupon(client, admin, code="NEWYEAR", name="N", percent_off=10,
           redeem_by="2030-01-10T00:00:00Z")
    assert discounted(client, "NEWYEAR", kind="new", product="desktop", seats=1)
    client.post("/v1/sandbox/clock/advance", json={"seconds": 10 * 86400}, headers=admin)
    r = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 1,
                                        "coupon": "NEWYEAR"})
    refusal(r, 409, "COUPON_EXPIRED")


def test_a_discount_never_makes_a_total_negative(client: TestClient,
                                                 admin: dict[str, str]) -> None:
    coupon(client, admin, code="HUGE", name="H", amount_off=usd_json(1_000_000))
    coupon(client, admin, code="ALL", name="A", percent_off=100)
    for code in ("HUGE", "ALL"):
        q = discounted(client, code, kind="new", product="desktop", seats=3)
        assert q["total"] == usd_json(0)


# -- redemptions: counted when paid, given back by a refund -----------------------------------

def test_redemption_counts_when_paid_and_a_refund_gives_it_back(
        client: TestClient, admin: dict[str, str]) -> None:
    coupon(client, admin, code="ONCE", name="One use", percent_off=20, max_redemptions=1)
    q = discounted(client, "ONCE", kind="new", product="desktop", seats=5)
    o = order(client, q["id"])
    assert o.status_code == 201 and o.json()["total"] == usd_json(34320)
    assert redeemed(client, admin, "ONCE") == 0  # ordered, not paid
    paid = client.post(f"/v1/orders/{o.json()['id']}/pay", json={"card_token": "tok_visa"})
    assert paid.status_code == 200
    assert redeemed(client, admin, "ONCE") == 1
    again = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 1,
                                            "coupon": "ONCE"})
    refusal(again, 409, "COUPON_EXHAUSTED")
    back = client.post(f"/v1/orders/{o.json()['id']}/refund", json={}, headers=admin)
    assert back.status_code == 200 and back.json()["status"] == "refunded"
    assert redeemed(client, admin, "ONCE") == 0
    q2 = discounted(client, "ONCE", kind="new", product="desktop", seats=1)
    assert order_and_pay(client, q2["id"]).status_code == 200
    assert redeemed(client, admin, "ONCE") == 1


def test_a_declined_card_redeems_nothing(client: TestClient, admin: dict[str, str]) -> None:
    coupon(client, admin, **SPRING)
    q = discounted(client, "SPRING20", kind="new", product="desktop", seats=5)
    o = order(client, q["id"]).json()
    r = client.post(f"/v1/orders/{o['id']}/pay", json={"card_token": "tok_declined"})
    assert err(r) == (402, "CARD_DECLINED")
    assert redeemed(client, admin, "SPRING20") == 0


def test_an_invoice_order_redeems_when_marked_paid(client: TestClient,
                                                   admin: dict[str, str]) -> None:
    coupon(client, admin, **SPRING)
    q = discounted(client, "SPRING20", kind="new", product="desktop", seats=10)
    assert q["total"] == usd_json(64000)
    o = order(client, q["id"], method="invoice")
    assert o.status_code == 201 and o.json()["status"] == "awaiting_payment"
    assert redeemed(client, admin, "SPRING20") == 0
    done = client.post(f"/v1/orders/{o.json()['id']}/mark-paid", headers=admin)
    assert done.status_code == 200 and done.json()["status"] == "fulfilled"
    assert redeemed(client, admin, "SPRING20") == 1


def test_the_last_use_goes_to_the_first_payer(client: TestClient, admin: dict[str, str]) -> None:
    coupon(client, admin, code="LAST", name="Last", percent_off=20, max_redemptions=1)
    first = discounted(client, "LAST", kind="new", product="desktop", seats=5)
    second = discounted(client, "LAST", kind="new", product="desktop", seats=5)
    assert order_and_pay(client, first["id"]).status_code == 200
    late = order_and_pay(client, second["id"], {**BUYER, "email": "late@acme.test"})
    refusal(late, 409, "COUPON_EXHAUSTED")
    assert redeemed(client, admin, "LAST") == 1


def test_once_per_customer_by_buyer_email(client: TestClient, admin: dict[str, str]) -> None:
    coupon(client, admin, code="WELCOME", name="W", percent_off=10, once_per_customer=True)
    q = discounted(client, "WELCOME", kind="new", product="desktop", seats=1)
    first = order_and_pay(client, q["id"])
    assert first.status_code == 200
    q2 = discounted(client, "WELCOME", kind="new", product="desktop", seats=1)
    refusal(order_and_pay(client, q2["id"]), 409, "COUPON_ALREADY_USED")
    other = {**BUYER, "email": "someone.else@acme.test"}
    q3 = discounted(client, "WELCOME", kind="new", product="desktop", seats=1)
    assert order_and_pay(client, q3["id"], other).status_code == 200
    assert redeemed(client, admin, "WELCOME") == 2
    back = client.post(f"/v1/orders/{first.json()['id']}/refund", json={}, headers=admin)
    assert back.status_code == 200 and redeemed(client, admin, "WELCOME") == 1
    q4 = discounted(client, "WELCOME", kind="new", product="desktop", seats=1)
    assert order_and_pay(client, q4["id"]).status_code == 200  # given back by the refund


def test_paying_a_discounted_order_charges_the_discounted_total(
        client: TestClient, admin: dict[str, str]) -> None:
    coupon(client, admin, **SPRING)
    paid = buy(client, {"kind": "new", "product": "desktop", "seats": 5, "coupon": "SPRING20"})
    charges = client.get("/v1/sandbox/charges", params={"limit": 100}, headers=admin)
    assert charges.status_code == 200
    [charge] = [c for c in charges.json()["data"]
                if c["metadata"].get("order_id") == paid["id"]]
    amount = charge["amount"]
    assert (amount["amount"] if isinstance(amount, dict) else amount) == 34320
