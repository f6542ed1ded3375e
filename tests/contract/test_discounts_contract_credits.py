"""Outside acceptance tests of the companion price, the desktop license credits (toward a
myBalsamiq site, or as a coupon for a server plugin) and academic pricing, black-box over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.builders import usd_json
from tests.contract.helpers import buy, err, info, new_license

Json = dict[str, Any]
Headers = dict[str, str]


def refusal(r: Any, status: int, code: str) -> Json:
    assert (r.status_code, r.json().get("error", {}).get("code")) == (status, code), r.text
    assert err(r) == (status, code)
    return dict(r.json()["error"]["details"])


def quoted(client: TestClient, headers: Headers | None = None, /, **body: Any) -> Json:
    r = client.post("/v1/quotes", json=body, headers=headers or {})
    assert r.status_code == 201, r.text
    q: Json = r.json()
    assert q["total"]["amount"] == sum(line["amount"]["amount"] for line in q["lines"])
    return q


class People:
    def __init__(self, client: TestClient) -> None:
        self.c, self.n = client, 0

    def account(self) -> tuple[Headers, str]:
        self.n += 1
        email = f"p{self.n}@example.com"
        r = self.c.post("/v1/accounts", json={"email": email, "name": f"P {self.n}",
                                              "password": "s3cret-pass"})
        assert r.status_code == 201, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}, email

    def paid_site(self) -> tuple[Headers, Json]:
        owner, _ = self.account()
        r = self.c.post("/v1/sites", json={"name": "Acme"}, headers=owner)
        assert r.status_code == 201, r.text
        site = r.json()
        r = self.c.post("/v1/subscriptions", headers=owner, json={
            "site_id": site["id"], "plan": "small", "interval": "month", "card_token": "tok_visa"})
        assert r.status_code == 201, r.text
        return owner, site

    def join(self, owner: Headers, site: Json, role: str) -> Json:
        who, email = self.account()
        r = self.c.post(f"/v1/sites/{site['id']}/members", json={"email": email, "role": role},
                        headers=owner)
        assert r.status_code in (200, 201), r.text
        return {"headers": who, "body": r.json()}

    def balance(self, owner: Headers, site: Json) -> int:
        r = self.c.get(f"/v1/subscriptions/{site['subscription']['id']}", headers=owner)
        assert r.status_code == 200, r.text
        return int(r.json()["credit_balance"]["amount"])


@pytest.fixture
def people(client: TestClient) -> People:
    return People(client)


# -- companion price --------------------------------------------------------------------------

def test_companion_price_for_a_server_license_holder(client: TestClient, admin: Headers) -> None:
    server = new_license(client, admin, product="confluence-server", seats=10)
    q = quoted(client, kind="new", product="desktop", seats=3, companion=info(server))
    assert q["total"] == usd_json(13500)
    jira = new_license(client, admin, product="jira-server", seats=25, license_name="J")
    assert quoted(client, kind="new", product="desktop", seats=3,
                  companion=info(jira))["total"] == usd_json(13500)
    o = buy(client, {"kind": "new", "product": "desktop", "seats": 3, "companion": info(server)})
    assert o["total"] == usd_json(13500) and o["licenses"][0]["seats"] == 3


def test_companion_refused_for_revoked_and_marketplace_licenses(client: TestClient,
                                                                admin: Headers) -> None:
    market = new_license(client, admin, product="confluence-server", seats=10,
                         channel="marketplace", sen="SEN-L123")
    revoked = new_license(client, admin, product="jira-server", seats=10, license_name="R")
    r = client.post(f"/v1/licenses/{revoked['id']}/revoke", json={"reason": "chargeback"},
                    headers=admin)
    assert r.status_code == 200, r.text
    for lic in (market, revoked):
        r = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 3,
                                            "companion": info(lic)})
        refusal(r, 409, "COMPANION_NOT_ELIGIBLE")
    old = new_license(client, admin, product="confluence-server", seats=10, license_name="S")
    buy(client, {"kind": "upgrade", **info(old), "seats": 25})
    r = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 3,
                                        "companion": info(old)})  # superseded: not active
    assert err(r) in ((409, "COMPANION_NOT_ELIGIBLE"), (409, "LICENSE_SUPERSEDED")), r.text
    desk = new_license(client, admin, seats=2, license_name="D")  # not a server plugin
    r = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 3,
                                        "companion": info(desk)})
    assert 400 <= r.status_code < 500 and err(r)


def test_companion_price_for_site_owner_and_staff_not_members(client: TestClient,
                                                             people: People) -> None:
    owner, site = people.paid_site()
    staff = people.join(owner, site, "staff")
    member = people.join(owner, site, "member")
    body = {"kind": "new", "product": "desktop", "seats": 3, "companion": {"site_id": site["id"]}}
    assert quoted(client, owner, **body)["total"] == usd_json(13500)
    assert quoted(client, staff["headers"], **body)["total"] == usd_json(13500)
    refusal(client.post("/v1/quotes", json=body, headers=member["headers"]), 409,
            "COMPANION_NOT_ELIGIBLE")
    stranger, _ = people.account()
    refusal(client.post("/v1/quotes", json=body, headers=stranger), 409,
            "COMPANION_NOT_ELIGIBLE")
    r = client.post("/v1/quotes", json=body)  # nobody signed in
    assert 400 <= r.status_code < 500 and err(r)
    ten = quoted(client, owner, **{**body, "seats": 10})
    assert ten["total"] == usd_json(45000)  # 45.00 a user, below the 80.00 band


def test_companion_price_for_a_site_in_trial(client: TestClient, people: People) -> None:
    owner, _ = people.account()
    site = client.post("/v1/sites", json={"name": "Trial"}, headers=owner).json()
    q = quoted(client, owner, kind="new", product="desktop", seats=3,
               companion={"site_id": site["id"]})
    assert q["total"] == usd_json(13500)


# -- desktop -> myBalsamiq credit -------------------------------------------------------------

def credit(client: TestClient, who: Headers, site: Json, lic: Json) -> Any:
    return client.post(f"/v1/sites/{site['id']}/desktop-credit", json=info(lic), headers=who)


def test_golden_desktop_credit_after_a_429_purchase(client: TestClient, admin: Headers,
                                                    people: People) -> None:
    lic = buy(client, {"kind": "new", "product": "desktop", "seats": 5})["licenses"][0]
    owner, site = people.paid_site()
    before = people.balance(owner, site)
    r = credit(client, owner, site, lic)
    assert 200 <= r.status_code < 300, r.text
    assert people.balance(owner, site) - before == 21450
    assert client.post("/v1/licenses/validate", json=info(lic)).json()["code"] == "VALID"
    refusal(credit(client, owner, site, lic), 409, "CREDIT_ALREADY_USED")
    other_owner, other_site = people.paid_site()
    refusal(credit(client, other_owner, other_site, lic), 409, "CREDIT_ALREADY_USED")
    assert people.balance(owner, site) - before == 21450


def test_the_credit_pays_the_next_renewal_first(client: TestClient, admin: Headers,
                                               people: People) -> None:
    client.put("/v1/sandbox/clock", json={"now": "2030-01-01T00:00:00Z"}, headers=admin)
    lic = buy(client, {"kind": "new", "product": "desktop", "seats": 1})["licenses"][0]
    owner, site = people.paid_site()
    assert 200 <= credit(client, owner, site, lic).status_code < 300
    assert people.balance(owner, site) == 4450
    r = client.post("/v1/sandbox/clock/advance", json={"seconds": 32 * 86400}, headers=admin)
    assert r.status_code == 200
    assert people.balance(owner, site) == 4450 - 1200  # one month of small paid from it


def test_a_repeated_credit_request_with_its_key_answers_the_same(
        client: TestClient, people: People) -> None:
    lic = buy(client, {"kind": "new", "product": "desktop", "seats": 1})["licenses"][0]
    owner, site = people.paid_site()
    before = people.balance(owner, site)
    keyed = {**owner, "Idempotency-Key": "credit-key-1"}
    first = credit(client, keyed, site, lic)
    again = credit(client, keyed, site, lic)
    assert 200 <= first.status_code < 300 and again.status_code == first.status_code
    assert again.json() == first.json()
    assert people.balance(owner, site) - before == 4450


def test_desktop_credit_counts_the_whole_lineage(client: TestClient, people: People) -> None:
    one = buy(client, {"kind": "new", "product": "desktop", "seats": 1})["licenses"][0]
    five = buy(client, {"kind": "upgrade", **info(one), "seats": 5})["licenses"][0]
    owner, site = people.paid_site()
    before = people.balance(owner, site)
    r = credit(client, owner, site, five)
    assert 200 <= r.status_code < 300, r.text
    assert people.balance(owner, site) - before == (8900 + 34000) // 2


def test_nothing_to_credit_for_a_license_nobody_paid_for(client: TestClient, admin: Headers,
                                                         people: People) -> None:
    free = new_license(client, admin, seats=5)
    owner, site = people.paid_site()
    before = people.balance(owner, site)
    refusal(credit(client, owner, site, free), 409, "NOTHING_TO_CREDIT")
    assert people.balance(owner, site) == before


def test_the_billing_admin_may_credit_members_may_not(client: TestClient,
                                                      people: People) -> None:
    owner, site = people.paid_site()
    staff = people.join(owner, site, "staff")
    member = people.join(owner, site, "member")
    lic = buy(client, {"kind": "new", "product": "desktop", "seats": 1})["licenses"][0]
    before = people.balance(owner, site)
    for who in (member["headers"], staff["headers"]):  # staff, not yet billing admin
        r = credit(client, who, site, lic)
        assert 400 <= r.status_code < 500 and err(r)
    assert people.balance(owner, site) == before
    account_id = staff["body"].get("account_id") or staff["body"].get("id")
    r = client.put(f"/v1/sites/{site['id']}/billing-admin", json={"account_id": account_id},
                   headers=owner)
    assert r.status_code == 200, r.text
    r = credit(client, staff["headers"], site, lic)
    assert 200 <= r.status_code < 300, r.text
    assert people.balance(owner, site) - before == 4450


def test_a_site_in_trial_gets_no_credit(client: TestClient, people: People) -> None:
    owner, _ = people.account()
    site = client.post("/v1/sites", json={"name": "Trial"}, headers=owner).json()
    lic = buy(client, {"kind": "new", "product": "desktop", "seats": 1})["licenses"][0]
    r = credit(client, owner, site, lic)
    assert 400 <= r.status_code < 500 and err(r)


# -- desktop -> plugin coupon -----------------------------------------------------------------

def plugin_coupon(client: TestClient, admin: Headers, lic: Json) -> Any:
    return client.post("/v1/credits/desktop-to-plugin", json=info(lic), headers=admin)


def test_desktop_to_plugin_coupon_is_half_of_todays_value(client: TestClient,
                                                          admin: Headers) -> None:
    desk = new_license(client, admin, seats=5)
    assert err(client.post("/v1/credits/desktop-to-plugin", json=info(desk))) == (
        401, "UNAUTHENTICATED")
    r = plugin_coupon(client, admin, desk)
    assert r.status_code in (200, 201), r.text
    c = r.json()
    assert set(c) >= {"code", "id", "times_redeemed", "active"} and c["amount_off"] == usd_json(21450)
    assert 400 <= plugin_coupon(client, admin, desk).status_code < 500  # once per license
    r = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 1,
                                        "coupon": c["code"]})
    assert refusal(r, 409, "COUPON_NOT_APPLICABLE").get("reason") == "product"
    server = {"kind": "new", "product": "confluence-server", "seats": 25}
    q = quoted(client, **server, coupon=c["code"].lower())
    assert q["total"] == usd_json(60000 - 21450)
    assert quoted(client, kind="new", product="jira-server", seats=10,
                  coupon=c["code"])["total"] == usd_json(30000 - 21450)
    o = buy(client, {**server, "coupon": c["code"]})
    assert o["total"] == usd_json(38550)
    r = client.post("/v1/quotes", json={"kind": "new", "product": "jira-server", "seats": 10,
                                        "coupon": c["code"]})
    assert r.status_code == 409 and err(r)[1] in ("COUPON_EXHAUSTED", "COUPON_ALREADY_USED")


def test_desktop_to_plugin_refusals(client: TestClient, admin: Headers) -> None:
    server = new_license(client, admin, product="confluence-server", seats=10)
    r = plugin_coupon(client, admin, server)  # not a desktop license
    assert 400 <= r.status_code < 500 and err(r)
    desk = new_license(client, admin, seats=1)
    r = client.post("/v1/credits/desktop-to-plugin", headers=admin,
                    json={**info(desk), "license_key": "AAAA-BBBB"})
    assert 400 <= r.status_code < 500 and err(r)
    key = {**admin, "Idempotency-Key": "plugin-credit-1"}
    first = client.post("/v1/credits/desktop-to-plugin", json=info(desk), headers=key)
    again = client.post("/v1/credits/desktop-to-plugin", json=info(desk), headers=key)
    assert first.status_code in (200, 201) and again.status_code == first.status_code
    assert again.json()["code"] == first.json()["code"]
    assert first.json()["amount_off"] == usd_json(4450)


def test_desktop_to_plugin_uses_todays_prices(client: TestClient, admin: Headers) -> None:
    desk = buy(client, {"kind": "new", "product": "desktop", "seats": 5})["licenses"][0]
    product = client.get("/v1/products/desktop").json()
    for band in product["pricing"]["bands"]:
        band["unit_price"]["amount"] = band["unit_price"]["amount"] * 11 // 10
    r = client.put("/v1/products/desktop", json=product, headers=admin)
    assert r.status_code == 200, r.text  # 5 users now 5 x 94.38 = 471.90
    r = plugin_coupon(client, admin, desk)
    assert r.status_code in (200, 201), r.text
    assert r.json()["amount_off"] == usd_json(23595)


# -- academic pricing -------------------------------------------------------------------------

ACADEMIC = {"academic": True, "institution": "Example University"}


def test_golden_academic_25_user_tier_and_it_stays_academic(client: TestClient) -> None:
    new = {"kind": "new", "product": "confluence-server", "seats": 25, **ACADEMIC}
    assert quoted(client, **new)["total"] == usd_json(30000)
    lic = buy(client, new)["licenses"][0]
    assert quoted(client, kind="renewal", **info(lic))["total"] == usd_json(15000)
    assert quoted(client, kind="upgrade", **info(lic), seats=50)["total"] == usd_json(50000 - 30000)
    bigger = buy(client, {"kind": "upgrade", **info(lic), "seats": 50})["licenses"][0]
    assert quoted(client, kind="renewal", **info(bigger))["total"] == usd_json(25000)


def test_commercial_licenses_stay_commercial(client: TestClient) -> None:
    lic = buy(client, {"kind": "new", "product": "jira-server", "seats": 25})["licenses"][0]
    assert quoted(client, kind="renewal", **info(lic))["total"] == usd_json(30000)
    assert quoted(client, kind="upgrade", **info(lic), seats=50)["total"] == usd_json(40000)


def test_academic_false_is_commercial(client: TestClient) -> None:
    q = quoted(client, kind="new", product="jira-server", seats=10, academic=False)
    assert q["total"] == usd_json(30000)
    assert quoted(client, kind="new", product="jira-server", seats=10,
                  **ACADEMIC)["total"] == usd_json(15000)


def test_academic_not_available_off_server_products(client: TestClient) -> None:
    r = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 5,
                                        **ACADEMIC})
    refusal(r, 409, "ACADEMIC_NOT_AVAILABLE")


def test_academic_needs_an_institution(client: TestClient) -> None:
    r = client.post("/v1/quotes", json={"kind": "new", "product": "confluence-server",
                                        "seats": 25, "academic": True})
    assert err(r) == (422, "INVALID_REQUEST")


# -- bad input is never a 500 -----------------------------------------------------------------

ODD: list[Any] = [None, True, 0, -1, 10**30, 1.5, "", "x" * 5000, "\u0000💥' OR 1=1", [1],
                  {"a": {}}, {"site_id": 5}, {"license_name": [], "license_key": {}}]


def test_odd_bodies_are_never_a_500(client: TestClient, admin: Headers, people: People) -> None:
    owner, site = people.paid_site()
    calls: list[tuple[str, Headers, Any]] = []
    for value in ODD:
        calls += [("/v1/quotes", owner, {"kind": "new", "product": "desktop", "seats": 3,
                                         "companion": value}),
                  ("/v1/quotes", {}, {"kind": "new", "product": "confluence-server",
                                      "seats": 25, "academic": value, "institution": value}),
                  (f"/v1/sites/{site['id']}/desktop-credit", owner, value),
                  (f"/v1/sites/{site['id']}/desktop-credit", owner,
                   {"license_name": value, "license_key": value}),
                  ("/v1/credits/desktop-to-plugin", admin, value),
                  ("/v1/credits/desktop-to-plugin", admin,
                   {"license_name": value, "license_key": "x"})]
    for path, headers, body in calls:
        r = client.post(path, json=body, headers=headers)
        assert r.status_code < 500, (path, body, r.text)
        if r.status_code >= 400:
            err(r)
    for path in ("/v1/sites/nope/desktop-credit", "/v1/sites/%00/desktop-credit"):
        r = client.post(path, json={"license_name": "a", "license_key": "b"}, headers=owner)
        assert 400 <= r.status_code < 500 and err(r)
