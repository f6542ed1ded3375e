"""Outside acceptance tests of coupons on subscriptions, black-box over HTTP: what the card is
charged each period (the sandbox processor's ledger) under once, forever and repeating coupons,
coupons on plan changes, and the refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.builders import usd_json
from tests.contract.helpers import err

Json = dict[str, Any]
DAY = 86400
SMALL = 1200  # mybalsamiq small, monthly


class Api:
    def __init__(self, client: TestClient, admin: dict[str, str]) -> None:
        self.c, self.admin, self.n = client, admin, 0

    def advance(self, seconds: int) -> None:
        r = self.c.post("/v1/sandbox/clock/advance", json={"seconds": seconds},
                        headers=self.admin)
        assert r.status_code == 200, r.text

    def coupon(self, **body: Any) -> Json:
        r = self.c.post("/v1/coupons", json={"name": body["code"], **body}, headers=self.admin)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def redeemed(self, code: str) -> int:
        r = self.c.get(f"/v1/coupons/{code}", headers=self.admin)
        assert r.status_code == 200, r.text
        return int(r.json()["times_redeemed"])

    def account(self) -> dict[str, str]:
        self.n += 1
        r = self.c.post("/v1/accounts", json={"email": f"s{self.n}@example.com",
                                              "name": f"Sub {self.n}", "password": "s3cret-pass"})
        assert r.status_code == 201, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}

    def site(self, owner: dict[str, str]) -> str:
        r = self.c.post("/v1/sites", json={"name": "Acme"}, headers=owner)
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def subscribe(self, owner: dict[str, str], plan: str = "small", **body: Any) -> Any:
        site = body.pop("site_id", None) or self.site(owner)
        return self.c.post("/v1/subscriptions", headers=owner, json={
            "site_id": site, "plan": plan, "interval": "month", "card_token": "tok_visa",
            **body})

    def charges(self, subscription_id: str) -> list[int]:
        """The amounts the processor charged for this subscription, oldest first."""
        found: list[Json] = []
        cursor: str | None = None
        while True:
            params: Json = {"limit": 100} | ({"cursor": cursor} if cursor else {})
            r = self.c.get("/v1/sandbox/charges", params=params, headers=self.admin)
            assert r.status_code == 200, r.text
            page = r.json()
            found += [c for c in page["data"]
                      if c["metadata"].get("subscription_id") == subscription_id]
            cursor = page.get("next_cursor")
            if not cursor:
                break
        found.sort(key=lambda c: c["created_at"])
        return [c["amount"]["amount"] if isinstance(c["amount"], dict) else c["amount"]
                for c in found]


@pytest.fixture
def api(client: TestClient, admin: dict[str, str]) -> Api:
    r = client.put("/v1/sandbox/clock", json={"now": datetime(2025, 6, 1, tzinfo=UTC)
                                              .isoformat()}, headers=admin)
    assert r.status_code == 200, r.text
    return Api(client, admin)


def months(api: Api, n: int) -> None:
    """n monthly renewals from 2025-06-01: 07-01, 08-01, 09-01, 10-01, 11-01."""
    for days in [30, 31, 31, 30, 31][:n]:
        api.advance(days * DAY + 3600)


def refusal(r: Any, status: int, code: str) -> Json:
    assert (r.status_code, r.json().get("error", {}).get("code")) == (status, code), r.text
    assert err(r) == (status, code)
    return dict(r.json()["error"]["details"])


def test_forever_10_percent_applies_to_every_renewal(api: Api) -> None:
    api.coupon(code="TENFOREVER", percent_off=10, duration="forever")
    owner = api.account()
    r = api.subscribe(owner, coupon="tenforever")
    assert r.status_code == 201, r.text
    months(api, 4)
    assert api.charges(r.json()["id"]) == [1080] * 5


def test_repeating_3_months_stops_after_three(api: Api) -> None:
    api.coupon(code="THREEMONTHS", percent_off=10, duration="repeating", duration_in_months=3)
    owner = api.account()
    r = api.subscribe(owner, coupon="THREEMONTHS")
    assert r.status_code == 201, r.text
    months(api, 4)
    assert api.charges(r.json()["id"]) == [1080, 1080, 1080, SMALL, SMALL]


def test_repeating_counts_periods_when_the_clock_jumps_months_at_once(api: Api) -> None:
    api.coupon(code="JUMP", percent_off=10, duration="repeating", duration_in_months=3)
    owner = api.account()
    r = api.subscribe(owner, coupon="JUMP")
    assert r.status_code == 201, r.text
    api.advance((30 + 31 + 31 + 30) * DAY + 3600)  # 07-01, 08-01, 09-01 and 10-01 in one go
    assert api.charges(r.json()["id"]) == [1080, 1080, 1080, SMALL, SMALL]


def test_once_is_the_default_and_discounts_the_first_charge_only(api: Api) -> None:
    api.coupon(code="FIRST", amount_off=usd_json(500))
    owner = api.account()
    r = api.subscribe(owner, coupon="First")
    assert r.status_code == 201, r.text
    months(api, 2)
    assert api.charges(r.json()["id"]) == [700, SMALL, SMALL]


def test_a_google_drive_subscription_with_a_forever_coupon(api: Api) -> None:
    api.coupon(code="DRIVE", percent_off=10, duration="forever")
    r = api.c.post("/v1/subscriptions", headers=api.account(), json={
        "product": "google-drive", "plan": "single", "interval": "month",
        "card_token": "tok_visa", "google_id": "g-123", "coupon": "drive"})
    assert r.status_code == 201, r.text
    months(api, 2)
    assert api.charges(r.json()["id"]) == [450, 450, 450]


def test_an_amount_off_above_the_price_never_charges_a_negative(api: Api) -> None:
    api.coupon(code="BIGOFF", amount_off=usd_json(5000), duration="forever")
    owner = api.account()
    r = api.subscribe(owner, coupon="BIGOFF")
    assert r.status_code == 201, r.text
    months(api, 1)
    assert all(x >= 0 for x in api.charges(r.json()["id"]))
    sub = api.c.get(f"/v1/subscriptions/{r.json()['id']}", headers=owner).json()
    assert sub["status"] == "active" and sub["credit_balance"]["amount"] >= 0


def test_a_subscription_redeems_when_charged(api: Api) -> None:
    api.coupon(code="ONE", percent_off=50, max_redemptions=1)
    owner = api.account()
    assert api.subscribe(owner, coupon="ONE").status_code == 201
    assert api.redeemed("ONE") == 1
    refusal(api.subscribe(api.account(), coupon="ONE"), 409, "COUPON_EXHAUSTED")
    declined = api.account()
    api.coupon(code="TWO", percent_off=50)
    r = api.subscribe(declined, coupon="TWO", card_token="tok_declined")
    assert err(r) == (402, "CARD_DECLINED")
    assert api.redeemed("TWO") == 0


def test_a_repeated_subscribe_with_its_key_redeems_once(api: Api) -> None:
    api.coupon(code="KEYED", percent_off=10)
    owner = api.account()
    site = api.site(owner)
    keyed = {**owner, "Idempotency-Key": "sub-key-1"}
    first = api.subscribe(keyed, site_id=site, coupon="KEYED")
    again = api.subscribe(keyed, site_id=site, coupon="KEYED")
    assert first.status_code == again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert api.charges(first.json()["id"]) == [1080] and api.redeemed("KEYED") == 1


def test_once_per_customer_by_account(api: Api) -> None:
    api.coupon(code="HELLO", percent_off=10, once_per_customer=True)
    owner = api.account()
    assert api.subscribe(owner, coupon="HELLO").status_code == 201
    refusal(api.subscribe(owner, coupon="HELLO"), 409, "COUPON_ALREADY_USED")
    assert api.subscribe(api.account(), coupon="HELLO").status_code == 201
    assert api.redeemed("HELLO") == 2


def test_subscription_refusals(api: Api) -> None:
    api.coupon(code="DESKONLY", percent_off=10, applies_to={"products": ["desktop"]})
    api.coupon(code="NEWONLY", percent_off=10, applies_to={"kinds": ["new"]})
    api.coupon(code="SUBONLY", percent_off=10, applies_to={"kinds": ["subscription"]})
    owner = api.account()
    refusal(api.subscribe(owner, coupon="NOPE"), 404, "UNKNOWN_COUPON")
    details = refusal(api.subscribe(owner, coupon="DESKONLY"), 409, "COUPON_NOT_APPLICABLE")
    assert details.get("reason") == "product"
    details = refusal(api.subscribe(owner, coupon="NEWONLY"), 409, "COUPON_NOT_APPLICABLE")
    assert details.get("reason") == "kind"
    api.coupon(code="EUROS", amount_off={"amount": 500, "currency": "EUR"})
    details = refusal(api.subscribe(owner, coupon="EUROS"), 409, "COUPON_NOT_APPLICABLE")
    assert details.get("reason") == "currency"
    r = api.c.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 1,
                                       "coupon": "SUBONLY"})
    assert refusal(r, 409, "COUPON_NOT_APPLICABLE").get("reason") == "kind"
    assert api.subscribe(owner, coupon="SUBONLY").status_code == 201


def test_expired_coupon_on_subscribe(api: Api) -> None:
    api.coupon(code="JUNE", percent_off=10, redeem_by="2025-06-30T00:00:00Z")
    api.advance(30 * DAY)
    refusal(api.subscribe(api.account(), coupon="JUNE"), 409, "COUPON_EXPIRED")


def coupon_line(view: Json, code: str) -> Json:
    [found] = [x for x in view["lines"] if code.lower() in x["description"].lower()]
    assert found["amount"]["amount"] < 0 and found["amount"]["currency"] == "USD", found
    return found


def test_a_coupon_on_a_plan_change(api: Api) -> None:
    api.coupon(code="CHANGE10", percent_off=10)
    owner = api.account()
    sub = api.subscribe(owner).json()
    api.advance(10 * DAY)
    path = f"/v1/subscriptions/{sub['id']}/change"
    plain = api.c.post(f"{path}/preview", json={"plan": "medium"}, headers=owner).json()
    r = api.c.post(f"{path}/preview", json={"plan": "medium", "coupon": "change10"},
                   headers=owner)
    assert r.status_code == 200, r.text
    coupon_line(r.json(), "CHANGE10")
    assert r.json()["amount_due"]["amount"] < plain["amount_due"]["amount"]
    assert api.redeemed("CHANGE10") == 0  # a preview charges nothing
    refusal(api.c.post(f"{path}/preview", json={"plan": "medium", "coupon": "NOPE"},
                       headers=owner), 404, "UNKNOWN_COUPON")
    api.coupon(code="ORDERSONLY", percent_off=10, applies_to={"kinds": ["new"]})
    r2 = api.c.post(f"{path}/preview", json={"plan": "medium", "coupon": "ORDERSONLY"},
                    headers=owner)
    assert refusal(r2, 409, "COUPON_NOT_APPLICABLE").get("reason") == "kind"
    done = api.c.post(path, json={"plan": "medium", "coupon": "CHANGE10"}, headers=owner)
    assert done.status_code == 200, done.text
    coupon_line(done.json(), "CHANGE10")
    assert done.json()["amount_due"] == r.json()["amount_due"]
    assert api.charges(sub["id"])[-1] == done.json()["amount_due"]["amount"]
    assert api.redeemed("CHANGE10") == 1


@pytest.mark.parametrize("value", [None, 0, -1, 1.5, "", "x" * 5000, "💥' OR 1=1", [1],
                                   {"a": {}}, True])
def test_odd_coupons_on_subscriptions_are_never_a_500(api: Api, value: Any) -> None:
    owner = api.account()
    r = api.subscribe(owner, coupon=value)
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        err(r)
    sub_id = r.json()["id"] if r.status_code == 201 else api.subscribe(owner).json()["id"]
    for tail in ("change/preview", "change"):
        r = api.c.post(f"/v1/subscriptions/{sub_id}/{tail}",
                       json={"plan": "medium", "coupon": value}, headers=owner)
        assert r.status_code < 500, r.text
        if r.status_code >= 400:
            err(r)
