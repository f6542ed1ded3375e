"""The vendor's coupons through the HTTP API: create (percent and amount off), look up in any
case, list page by page, disable and enable, Idempotency-Key, and every refusal."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from licensor.core import audit
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.discounts import service as discounts
from tests.conftest import ADMIN
from tests.subscriptions.conftest import START, Shop

SPRING = {"code": "Spring20", "name": "Spring sale", "percent_off": 12.5,
          "applies_to": {"products": ["desktop"], "kinds": ["new", "upgrade"]},
          "duration": "repeating", "duration_in_months": 3, "max_redemptions": 500,
          "redeem_by": "2099-06-30T12:00:00+02:00", "once_per_customer": True}


def post(client: TestClient, body: dict[str, Any], **headers: str) -> Any:
    """POST /v1/coupons; a body without a name is named after its code (name is required)."""
    if "name" not in body and isinstance(body.get("code"), str):
        body = {**body, "name": f"Promotion {body['code']}"}
    return client.post("/v1/coupons", json=body, headers={**ADMIN, **headers})


def created(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    r = post(client, body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def refused(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["message"]
    return dict(error)


def test_a_percent_coupon_is_created_with_every_term(client: TestClient) -> None:
    coupon = created(client, SPRING)
    assert coupon["id"].startswith("cpn_")
    assert coupon["code"] == "Spring20" and coupon["name"] == "Spring sale"
    assert coupon["percent_off"] == 12.5 and coupon["amount_off"] is None
    assert coupon["applies_to"] == {"products": ["desktop"], "kinds": ["new", "upgrade"]}
    assert (coupon["duration"], coupon["duration_in_months"]) == ("repeating", 3)
    assert (coupon["max_redemptions"], coupon["times_redeemed"]) == (500, 0)
    assert coupon["redeem_by"] == "2099-06-30T10:00:00Z"  # kept in UTC
    assert coupon["once_per_customer"] is True and coupon["active"] is True
    assert client.get("/v1/coupons/SPRING20", headers=ADMIN).json() == coupon


def test_an_amount_coupon_with_a_minimum_and_the_defaults(client: TestClient) -> None:
    coupon = created(client, {"code": "TENOFF", "name": "TENOFF",
                              "amount_off": {"amount": 1000, "currency": "USD"},
                              "minimum_amount": {"amount": 30000, "currency": "USD"}})
    assert coupon["amount_off"] == {"amount": 1000, "currency": "USD"}
    assert coupon["minimum_amount"] == {"amount": 30000, "currency": "USD"}
    assert coupon["percent_off"] is None and coupon["name"] == "TENOFF"
    assert coupon["applies_to"] == {"products": [], "kinds": []}
    assert coupon["duration"] == "once" and coupon["duration_in_months"] is None
    assert coupon["max_redemptions"] is None and coupon["redeem_by"] is None
    assert coupon["once_per_customer"] is False


def test_a_code_is_found_in_any_case_and_taken_in_any_case(client: TestClient) -> None:
    created(client, {"code": "Welcome-10", "percent_off": 10})
    for asked in ("welcome-10", "WELCOME-10", "Welcome-10"):
        r = client.get(f"/v1/coupons/{asked}", headers=ADMIN)
        assert r.status_code == 200 and r.json()["code"] == "Welcome-10"
    error = refused(post(client, {"code": "WELCOME-10", "amount_off": {
        "amount": 500, "currency": "USD"}}), 409, "COUPON_EXISTS")
    assert error["details"]["code"] == "WELCOME-10"
    assert len(client.get("/v1/coupons", headers=ADMIN).json()["data"]) == 1


def test_the_list_pages_newest_first(client: TestClient) -> None:
    codes = [f"PAGE{i}" for i in range(5)]
    for code in codes:
        created(client, {"code": code, "percent_off": 5})
    seen, cursor, pages = [], None, 0
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        r = client.get("/v1/coupons", params=params, headers=ADMIN)
        assert r.status_code == 200, r.text
        seen += [c["code"] for c in r.json()["data"]]
        pages += 1
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(codes)) and pages == 3
    everything = client.get("/v1/coupons", headers=ADMIN).json()
    assert len(everything["data"]) == 5 and everything["next_cursor"] is None
    refused(client.get("/v1/coupons", params={"limit": 0}, headers=ADMIN), 422,
            "INVALID_REQUEST")


def _apply(ctx: Context, code: str) -> discounts.Applied:
    with ctx.db.reader() as session:
        return discounts.apply_coupon(session, code, product="desktop", kind="new",
                                      amount=Money(42900, "USD"), now=ctx.clock.now(session))


def test_disabled_then_enabled_again(client: TestClient, ctx: Context) -> None:
    coupon = created(client, {"code": "SPRING20", "percent_off": 20})
    assert _apply(ctx, "spring20").discount == Money(8580, "USD")  # $429.00 → $343.20
    r = client.patch("/v1/coupons/spring20", json={"active": False}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.get("/v1/coupons/SPRING20", headers=ADMIN).json()["active"] is False
    with pytest.raises(LicensorError) as refusal:
        _apply(ctx, "SPRING20")
    assert refusal.value.code == "COUPON_EXPIRED"
    r = client.patch("/v1/coupons/SPRING20", json={"active": True}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["active"] is True
    assert _apply(ctx, "SPRING20").discount == Money(8580, "USD")
    with ctx.db.reader() as session:  # the audit log names the admin of each change
        entries = [(e.action, e.actor) for e in audit.entries_for(session, coupon["id"])]
    assert [action for action, _ in entries] == ["coupon.created", "coupon.disabled",
                                                 "coupon.enabled"]
    assert {actor for _, actor in entries} == {"admin"}


def test_an_idempotency_key_answers_the_first_creation_again(client: TestClient) -> None:
    body = {"code": "ONCE", "percent_off": 15}
    first = post(client, body, **{"Idempotency-Key": "coupon-once-1"})
    again = post(client, body, **{"Idempotency-Key": "coupon-once-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers.get("idempotent-replayed") == "true"
    refused(post(client, {**body, "percent_off": 16}, **{"Idempotency-Key": "coupon-once-1"}),
            422, "IDEMPOTENCY_KEY_REUSED")
    assert len(client.get("/v1/coupons", headers=ADMIN).json()["data"]) == 1


def _with(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": "BAD1", "percent_off": 20}
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


USD10 = {"amount": 1000, "currency": "USD"}
INVALID = [
    ("percent 0", _with(percent_off=0), "percent_off"),
    ("percent 101", _with(percent_off=101), "percent_off"),
    ("percent 3 decimals", _with(percent_off=12.345), "percent_off"),
    ("percent as text", _with(percent_off="lots"), "percent_off"),
    ("both", _with(amount_off=USD10), "percent_off"),
    ("neither", _with(percent_off=None), "percent_off"),
    ("amount zero", _with(percent_off=None, amount_off={"amount": 0, "currency": "USD"}),
     "amount_off"),
    ("amount negative", _with(percent_off=None, amount_off={"amount": -5, "currency": "USD"}),
     "amount_off.amount"),
    ("amount fractional", _with(percent_off=None, amount_off={"amount": 10.5,
                                                              "currency": "USD"}),
     "amount_off.amount"),
    ("lower-case currency", _with(percent_off=None, amount_off={"amount": 1000,
                                                                "currency": "usd"}),
     "amount_off.currency"),
    ("unknown currency", _with(percent_off=None, amount_off={"amount": 1000,
                                                             "currency": "XXX"}),
     "amount_off.currency"),
    ("minimum in another currency", _with(percent_off=None, amount_off=USD10,
                                          minimum_amount={"amount": 100, "currency": "EUR"}),
     "minimum_amount.currency"),
    ("minimum bad currency", _with(minimum_amount={"amount": 100, "currency": "DOLLARS"}),
     "minimum_amount.currency"),
    ("repeating without months", _with(duration="repeating"), "duration_in_months"),
    ("months without repeating", _with(duration_in_months=3), "duration_in_months"),
    ("months 0", _with(duration="repeating", duration_in_months=0), "duration_in_months"),
    ("months 121", _with(duration="repeating", duration_in_months=121), "duration_in_months"),
    ("months huge", _with(duration="repeating", duration_in_months=10**30),
     "duration_in_months"),
    ("weekly", _with(duration="weekly"), "duration"),
    ("max 0", _with(max_redemptions=0), "max_redemptions"),
    ("max huge", _with(max_redemptions=10**20), "max_redemptions"),
    ("date not a date", _with(redeem_by="next spring"), "redeem_by"),
    ("date month 13", _with(redeem_by="2099-13-01T00:00:00Z"), "redeem_by"),
    ("date without offset", _with(redeem_by="2099-06-01T00:00:00"), "redeem_by"),
    ("date as a number", _with(redeem_by=4070908800), "redeem_by"),
    ("date past", _with(redeem_by="2001-01-01T00:00:00Z"), "redeem_by"),
    ("date past year 9999", _with(redeem_by="9999-12-31T23:00:00-05:00"), "redeem_by"),
    ("unknown product", _with(applies_to={"products": ["desktop", "nope"]}),
     "applies_to.products"),
    ("unknown kind", _with(applies_to={"kinds": ["gift"]}), "applies_to.kinds"),
    ("code too short", _with(code="A"), "code"),
    ("code with a space", _with(code="SPRING 20"), "code"),
    ("code with NUL", _with(code="AB\x00C"), "code"),
    ("no code", _with(code=None), "code"),
    ("blank name", _with(name=""), "name"),
    ("once per customer as text", _with(once_per_customer="yes please"), "once_per_customer"),
]


@pytest.mark.parametrize(("body", "field"), [(b, f) for _, b, f in INVALID],
                         ids=[name for name, _, _ in INVALID])
def test_bad_terms_are_refused_naming_the_field(client: TestClient, body: dict[str, Any],
                                               field: str) -> None:
    error = refused(post(client, body), 422, "INVALID_REQUEST")
    assert error["details"]["field"] == field
    assert client.get("/v1/coupons", headers=ADMIN).json()["data"] == []


def test_a_coupon_needs_a_name(client: TestClient) -> None:
    r = client.post("/v1/coupons", json={"code": "NONAME", "percent_off": 10}, headers=ADMIN)
    assert refused(r, 422, "INVALID_REQUEST")["details"]["field"] == "name"


def test_an_unknown_product_is_named(client: TestClient) -> None:
    error = refused(post(client, _with(applies_to={"products": ["desktop", "photoshop"]})),
                    422, "INVALID_REQUEST")
    assert error["details"]["unknown"] == ["photoshop"] and "photoshop" in error["message"]


def test_a_percent_that_is_not_a_number_is_refused(client: TestClient) -> None:
    r = client.post("/v1/coupons", content=b'{"code": "NANA", "percent_off": NaN}',
                    headers={**ADMIN, "Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "INVALID_REQUEST"


def test_unknown_codes_and_bad_patches(client: TestClient) -> None:
    error = refused(client.get("/v1/coupons/NOSUCH", headers=ADMIN), 404, "UNKNOWN_COUPON")
    assert error["details"]["code"] == "NOSUCH"
    refused(client.patch("/v1/coupons/NOSUCH", json={"active": False}, headers=ADMIN), 404,
            "UNKNOWN_COUPON")
    created(client, {"code": "REAL", "percent_off": 5})
    for body in ({}, {"active": "no"}, {"active": None}):
        error = refused(client.patch("/v1/coupons/REAL", json=body, headers=ADMIN), 422,
                        "INVALID_REQUEST")
        assert error["details"]["field"] == "active"
    assert client.get("/v1/coupons/REAL", headers=ADMIN).json()["active"] is True


def test_only_an_administrator(client: TestClient) -> None:
    for r in (client.post("/v1/coupons", json={"code": "X1", "percent_off": 5}),
              client.get("/v1/coupons"), client.get("/v1/coupons/X1"),
              client.patch("/v1/coupons/X1", json={"active": False}),
              client.get("/v1/coupons", headers={"Authorization": "Bearer nope"})):
        refused(r, 401, "UNAUTHENTICATED")


def test_the_refusals_are_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    def codes(path: str, method: str, status: str) -> list[str]:
        return list(paths[path][method]["responses"][status]["x-error-codes"])

    assert "COUPON_EXISTS" in codes("/v1/coupons", "post", "409")
    assert "INVALID_REQUEST" in codes("/v1/coupons", "post", "422")
    assert "UNKNOWN_COUPON" in codes("/v1/coupons/{code}", "get", "404")
    assert "UNKNOWN_COUPON" in codes("/v1/coupons/{code}", "patch", "404")
    post_params = [p["name"] for p in paths["/v1/coupons"]["post"]["parameters"]]
    assert "Idempotency-Key" in post_params


def test_a_disabled_coupon_is_refused_by_a_purchase_and_counted_once_enabled(
        client: TestClient, admin: dict[str, str]) -> None:
    """The vendor's coupon, end to end: refused while disabled (COUPON_EXPIRED), then used by a
    subscription, which the coupon's times_redeemed counts."""
    shop = Shop(client, admin)
    shop.set_clock(START)
    created(client, {"code": "Welcome10", "percent_off": 10, "applies_to": {
        "kinds": ["subscription"]}, "duration": "forever"})
    client.patch("/v1/coupons/WELCOME10", json={"active": False}, headers=ADMIN)
    owner, _ = shop.account()
    body = {"plan": "small", "interval": "month", "card_token": "tok_visa",
            "site_id": shop.site(owner)["id"], "coupon": "welcome10"}
    refused(client.post("/v1/subscriptions", json=body, headers=owner), 409, "COUPON_EXPIRED")
    assert client.get("/v1/coupons/welcome10", headers=ADMIN).json()["times_redeemed"] == 0
    client.patch("/v1/coupons/welcome10", json={"active": True}, headers=ADMIN)
    r = client.post("/v1/subscriptions", json=body, headers=owner)
    assert r.status_code == 201, r.text
    assert client.get("/v1/coupons/WELCOME10", headers=ADMIN).json()["times_redeemed"] == 1
