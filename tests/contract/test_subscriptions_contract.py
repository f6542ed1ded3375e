"""Outside acceptance tests of the accounts and subscriptions contract, black-box:
only HTTP calls, the sandbox clock for time. Field names, types, statuses and error codes are
checked exactly as the API documents them."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.builders import usd_json

DAY = 86400
RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)$")
SUBSCRIPTION_FIELDS = {"id", "product", "plan", "interval", "status", "current_period_start",
                       "current_period_end", "cancel_at_period_end", "credit_balance", "site_id",
                       "google_id"}
STATUSES = {"trialing", "active", "canceled", "suspended", "deleted", "view_only"}
PREVIEW_FIELDS = {"lines", "net", "credit_applied", "amount_due", "credit_balance_after",
                  "current_period_end_after"}
LINE_FIELDS = {"kind", "description", "amount", "period_start", "period_end"}


# -- helpers ----------------------------------------------------------------------------------

def when(text: str) -> datetime:
    assert isinstance(text, str) and RFC3339_UTC.match(text), text
    return datetime.fromisoformat(text)


def at(y: int, m: int, d: int, h: int = 0) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


def assert_error(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert set(err) >= {"code", "message", "details"}
    assert err["code"] == code, body
    assert isinstance(err["message"], str) and err["message"]
    assert isinstance(err["details"], dict)
    return dict(err)


def assert_money(value: Any) -> None:
    assert isinstance(value, dict) and set(value) == {"amount", "currency"}, value
    assert type(value["amount"]) is int and value["currency"] == "USD"


def assert_subscription(sub: dict[str, Any]) -> None:
    assert SUBSCRIPTION_FIELDS <= set(sub), sub
    assert isinstance(sub["id"], str) and sub["id"]
    assert isinstance(sub["product"], str)
    assert sub["status"] in STATUSES
    assert sub["interval"] in ("month", "year", None)
    assert sub["plan"] is None or isinstance(sub["plan"], str)
    assert when(sub["current_period_start"]) < when(sub["current_period_end"])
    assert type(sub["cancel_at_period_end"]) is bool
    assert_money(sub["credit_balance"])
    assert sub["site_id"] is None or isinstance(sub["site_id"], str)
    assert sub["google_id"] is None or isinstance(sub["google_id"], str)


def assert_change(view: dict[str, Any]) -> None:
    assert set(view) >= PREVIEW_FIELDS, view
    assert isinstance(view["lines"], list) and view["lines"]
    for line in view["lines"]:
        assert set(line) >= LINE_FIELDS, line
        assert line["kind"] in ("credit", "charge")
        assert isinstance(line["description"], str) and line["description"]
        assert_money(line["amount"])
        assert when(line["period_start"]) < when(line["period_end"])
    for name in ("net", "credit_applied", "amount_due", "credit_balance_after"):
        assert_money(view[name])
    when(view["current_period_end_after"])


def line(view: dict[str, Any], kind: str) -> int:
    [found] = [x for x in view["lines"] if x["kind"] == kind]
    return int(found["amount"]["amount"])


class Api:
    def __init__(self, client: TestClient, admin: dict[str, str]) -> None:
        self.c, self.admin, self.n = client, admin, 0

    def clock(self, moment: datetime) -> None:
        r = self.c.put("/v1/sandbox/clock", json={"now": moment.isoformat()}, headers=self.admin)
        assert r.status_code == 200, r.text

    def advance(self, seconds: int) -> None:
        r = self.c.post("/v1/sandbox/clock/advance", json={"seconds": seconds},
                        headers=self.admin)
        assert r.status_code == 200, r.text

    def account(self) -> tuple[dict[str, str], dict[str, Any]]:
        self.n += 1
        r = self.c.post("/v1/accounts", json={"email": f"c{self.n}@example.com",
                                              "name": f"Customer {self.n}",
                                              "password": "s3cret-pass"})
        assert r.status_code == 201, r.text
        body = r.json()
        return {"Authorization": f"Bearer {body['token']}"}, body

    def site(self, owner: dict[str, str], product: str | None = None) -> dict[str, Any]:
        body = {"name": "Acme"} | ({"product": product} if product else {})
        r = self.c.post("/v1/sites", json=body, headers=owner)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def subscribe(self, who: dict[str, str], **body: Any) -> Any:
        body = {"interval": "month", "card_token": "tok_visa"} | body
        return self.c.post("/v1/subscriptions", json=body, headers=who)

    def paid_site(self, plan: str, product: str | None = None, interval: str = "month"
                  ) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        owner, _ = self.account()
        site = self.site(owner, product)
        r = self.subscribe(owner, site_id=site["id"], plan=plan, interval=interval)
        assert r.status_code == 201, r.text
        return owner, site, r.json()

    def preview(self, who: dict[str, str], sub_id: str, **body: Any) -> Any:
        return self.c.post(f"/v1/subscriptions/{sub_id}/change/preview", json=body, headers=who)

    def change(self, who: dict[str, str], sub_id: str, **body: Any) -> Any:
        return self.c.post(f"/v1/subscriptions/{sub_id}/change", json=body, headers=who)

    def get(self, who: dict[str, str], sub_id: str) -> dict[str, Any]:
        r = self.c.get(f"/v1/subscriptions/{sub_id}", headers=who)
        assert r.status_code == 200, r.text
        return dict(r.json())


GOLDEN = {
    "code": "golden", "name": "Golden Test", "model": "subscription", "seat_unit": "project",
    "channels": ["direct"], "pricing": None, "maintenance_months": None,
    "renewal_price_ratio": None, "single_user": False, "trial_days": 30,
    "marketplace_url": None,
    "plans": [
        {"code": "five", "name": "Five", "limit": 1, "monthly_price": usd_json(500),
         "yearly_price": usd_json(5000)},
        {"code": "twenty", "name": "Twenty", "limit": 2, "monthly_price": usd_json(2000),
         "yearly_price": usd_json(20000)},
        {"code": "hundred", "name": "Hundred", "limit": 5, "monthly_price": usd_json(10000),
         "yearly_price": usd_json(100000)},
        {"code": "three-hundred", "name": "Three hundred", "limit": 10,
         "monthly_price": usd_json(30000), "yearly_price": usd_json(300000)},
        {"code": "odd", "name": "Odd", "limit": 11, "monthly_price": usd_json(1001),
         "yearly_price": usd_json(10010)},
        {"code": "odd-three", "name": "Odd three", "limit": 12, "monthly_price": usd_json(3003),
         "yearly_price": usd_json(30030)},
    ],
}


@pytest.fixture
def api(client: TestClient, admin: dict[str, str]) -> Api:
    a = Api(client, admin)
    a.clock(at(2025, 6, 1))
    r = client.put("/v1/products/golden", json=GOLDEN, headers=admin)
    assert r.status_code == 200, r.text
    return a


# -- accounts ---------------------------------------------------------------------------------

def test_accounts_and_sessions(api: Api, client: TestClient) -> None:
    r = client.post("/v1/accounts", json={"email": "ann@example.com", "name": "Ann",
                                          "password": "long enough"})
    assert r.status_code == 201
    body = r.json()
    assert {"id", "email", "token"} <= set(body)
    assert isinstance(body["id"], str) and isinstance(body["token"], str)
    assert body["email"] == "ann@example.com"
    r = client.post("/v1/sessions", json={"email": "ann@example.com", "password": "long enough"})
    assert r.status_code == 200 and isinstance(r.json()["token"], str)
    token = r.json()["token"]
    site = client.post("/v1/sites", json={"name": "S"},
                       headers={"Authorization": f"Bearer {token}"})
    assert site.status_code == 201 and site.json()["owner_id"] == body["id"]
    assert_error(client.post("/v1/sessions", json={"email": "ann@example.com",
                                                   "password": "wrong one"}), 401,
                 "INVALID_CREDENTIALS")
    r = client.post("/v1/accounts", json={"email": "ann@example.com", "name": "Ann",
                                          "password": "long enough"})
    assert r.status_code == 409
    for bad in ({"email": "x@example.com", "name": "X"}, {"email": 5, "name": "X",
                                                         "password": "long enough"},
                {"email": "x@example.com", "name": ["X"], "password": "long enough"}):
        err = assert_error(client.post("/v1/accounts", json=bad), 422, "INVALID_REQUEST")
        assert err["details"].get("field") in {"password", "email", "name"}


def test_idempotency_key_on_account_creation_and_subscribe(api: Api,
                                                          client: TestClient) -> None:
    body = {"email": "idem@example.com", "name": "I", "password": "long enough"}
    key = {"Idempotency-Key": "acc-1"}
    first = client.post("/v1/accounts", json=body, headers=key)
    again = client.post("/v1/accounts", json=body, headers=key)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert_error(client.post("/v1/accounts", json={**body, "name": "J"}, headers=key), 422,
                 "IDEMPOTENCY_KEY_REUSED")
    owner = {"Authorization": f"Bearer {first.json()['token']}"}
    site = api.site(owner)
    sub_body = {"plan": "small", "interval": "month", "card_token": "tok_visa",
                "site_id": site["id"]}
    h = owner | {"Idempotency-Key": "sub-1"}
    one = client.post("/v1/subscriptions", json=sub_body, headers=h)
    two = client.post("/v1/subscriptions", json=sub_body, headers=h)
    assert one.status_code == two.status_code == 201 and one.json() == two.json()
    invoices = client.get(f"/v1/subscriptions/{one.json()['id']}/invoices", headers=owner)
    assert len(invoices.json()["data"]) == 1  # charged once


# -- sites, members, projects -----------------------------------------------------------------

def test_site_starts_in_a_30_day_trial(api: Api, client: TestClient) -> None:
    owner, acc = api.account()
    site = api.site(owner)
    assert {"id", "name", "owner_id", "billing_admin_id", "subscription"} <= set(site)
    assert site["owner_id"] == acc["id"] and site["billing_admin_id"] is None
    sub = site["subscription"]
    assert_subscription(sub)
    assert sub["status"] == "trialing" and sub["product"] == "mybalsamiq"
    assert sub["site_id"] == site["id"] and sub["google_id"] is None
    assert when(sub["current_period_start"]) == at(2025, 6, 1)
    assert when(sub["current_period_end"]) == at(2025, 7, 1)
    assert api.get(owner, sub["id"]) == sub


def test_members_billing_admin_and_rights(api: Api, client: TestClient) -> None:
    owner, _ = api.account()
    staff, staff_acc = api.account()
    member, member_acc = api.account()
    site = api.site(owner)
    sid, sub_id = site["id"], site["subscription"]["id"]
    for email, role in ((staff_acc["email"], "staff"), (member_acc["email"], "member")):
        r = client.post(f"/v1/sites/{sid}/members", json={"email": email, "role": role},
                        headers=owner)
        assert r.status_code in (200, 201), r.text
    assert_error(client.post(f"/v1/sites/{sid}/members", json={"email": "x@example.com",
                                                               "role": "boss"}, headers=owner),
                 422, "INVALID_REQUEST")
    r = client.post(f"/v1/sites/{sid}/members", json={"email": member_acc["email"],
                                                      "role": "staff"}, headers=staff)
    assert r.status_code == 403  # owner only
    # the billing admin must be staff
    r = client.put(f"/v1/sites/{sid}/billing-admin", json={"account_id": member_acc["id"]},
                   headers=owner)
    assert 400 <= r.status_code < 500 and r.json()["error"]["code"]  # no one code is promised here
    r = client.put(f"/v1/sites/{sid}/billing-admin", json={"account_id": staff_acc["id"]},
                   headers=staff)
    assert r.status_code == 403
    r = client.put(f"/v1/sites/{sid}/billing-admin", json={"account_id": staff_acc["id"]},
                   headers=owner)
    assert r.status_code == 200 and r.json()["billing_admin_id"] == staff_acc["id"]
    # a plain member cannot subscribe, change, cancel or see invoices
    assert_error(api.subscribe(member, site_id=sid, plan="small"), 403, "NOT_BILLING_ADMIN")
    r = api.subscribe(staff, site_id=sid, plan="small")  # the billing admin can
    assert r.status_code == 201, r.text
    assert_error(api.change(member, sub_id, plan="starter"), 403, "NOT_BILLING_ADMIN")
    assert_error(api.preview(member, sub_id, plan="starter"), 403, "NOT_BILLING_ADMIN")
    assert_error(client.post(f"/v1/subscriptions/{sub_id}/cancel", headers=member), 403,
                 "NOT_BILLING_ADMIN")
    assert_error(client.get(f"/v1/subscriptions/{sub_id}/invoices", headers=member), 403,
                 "NOT_BILLING_ADMIN")
    assert api.change(staff, sub_id, plan="starter").status_code == 200
    r = client.put(f"/v1/sites/{sid}/billing-admin", json={"account_id": None}, headers=owner)
    assert r.status_code == 200 and r.json()["billing_admin_id"] is None
    assert_error(api.change(staff, sub_id, plan="medium"), 403, "NOT_BILLING_ADMIN")


def test_projects_are_limited_by_the_plan(api: Api, client: TestClient) -> None:
    owner, site, sub = api.paid_site("small")  # 3 active projects
    sid = site["id"]
    ids = []
    for i in range(3):
        r = client.post(f"/v1/sites/{sid}/projects", json={"name": f"P{i}"}, headers=owner)
        assert r.status_code == 201, r.text
        assert isinstance(r.json()["id"], str)
        ids.append(r.json()["id"])
    assert_error(client.post(f"/v1/sites/{sid}/projects", json={"name": "P3"}, headers=owner),
                 409, "PLAN_LIMIT_REACHED")
    r = client.post(f"/v1/sites/{sid}/projects/{ids[0]}/archive", headers=owner)
    assert r.status_code == 200, r.text
    r = client.post(f"/v1/sites/{sid}/projects", json={"name": "P3"}, headers=owner)
    assert r.status_code == 201  # archived projects do not count
    assert_error(client.post(f"/v1/sites/{sid}/projects/{ids[0]}/unarchive", headers=owner),
                 409, "PLAN_LIMIT_REACHED")
    # a downgrade below the active projects is refused until projects are archived
    api.change(owner, sub["id"], plan="starter")
    for i in range(4):
        client.post(f"/v1/sites/{sid}/projects", json={"name": f"Q{i}"}, headers=owner)
    err = assert_error(api.change(owner, sub["id"], plan="small"), 409, "PLAN_TOO_SMALL")
    assert isinstance(err["message"], str)
    assert_error(api.preview(owner, sub["id"], plan="small"), 409, "PLAN_TOO_SMALL")


# -- subscribe and the Subscription shape -----------------------------------------------------

def test_subscribe_a_site_starts_the_first_period_now(api: Api, client: TestClient) -> None:
    owner, _ = api.account()
    site = api.site(owner)
    api.advance(3 * DAY + 3600)
    r = api.subscribe(owner, site_id=site["id"], plan="starter", interval="year")
    assert r.status_code == 201, r.text
    sub = r.json()
    assert_subscription(sub)
    assert sub["id"] == site["subscription"]["id"]
    assert (sub["product"], sub["plan"], sub["interval"], sub["status"]) == (
        "mybalsamiq", "starter", "year", "active")
    assert when(sub["current_period_start"]) == at(2025, 6, 4, 1)
    assert when(sub["current_period_end"]) == at(2026, 6, 4, 1)
    assert sub["cancel_at_period_end"] is False and sub["credit_balance"] == usd_json(0)
    assert sub["site_id"] == site["id"] and sub["google_id"] is None
    r = client.get(f"/v1/subscriptions/{sub['id']}/invoices", headers=owner)
    assert r.status_code == 200
    page = r.json()
    assert set(page) >= {"data", "next_cursor"} and len(page["data"]) == 1
    r = client.get(f"/v1/subscriptions/{sub['id']}/invoices?limit=1", headers=owner)
    assert r.status_code == 200 and len(r.json()["data"]) == 1


def test_subscribe_refusals(api: Api, client: TestClient) -> None:
    owner, _ = api.account()
    site = api.site(owner)
    assert_error(api.subscribe(owner, site_id=site["id"], plan="small",
                               card_token="tok_declined"), 402, "CARD_DECLINED")
    assert api.get(owner, site["subscription"]["id"])["status"] == "trialing"
    assert_error(api.subscribe(owner, site_id=site["id"], plan="small", interval="week"), 422,
                 "INVALID_REQUEST")
    err = assert_error(api.subscribe(owner, site_id=site["id"], plan="small", card_token=None),
                       422, "INVALID_REQUEST")
    assert err["details"]["field"] == "card_token"
    r = client.post("/v1/subscriptions", json={"site_id": site["id"], "interval": "month",
                                               "card_token": "tok_visa"}, headers=owner)
    assert_error(r, 422, "INVALID_REQUEST")
    assert api.subscribe(owner, site_id="nope", plan="small").status_code == 404


# -- golden proration through the API ---------------------------------------------------------

@pytest.mark.parametrize(("day", "credit", "charge"), [(16, 5000, 15000), (11, 6667, 20000)])
def test_golden_100_to_300(api: Api, day: int, credit: int, charge: int) -> None:
    owner, _, sub = api.paid_site("hundred", product="golden")
    assert (when(sub["current_period_start"]), when(sub["current_period_end"])) == (
        at(2025, 6, 1), at(2025, 7, 1))
    api.clock(at(2025, 6, day))
    r = api.change(owner, sub["id"], plan="three-hundred")
    assert r.status_code == 200, r.text
    view = r.json()
    assert_change(view)
    assert (line(view, "credit"), line(view, "charge")) == (credit, charge)
    assert view["net"] == usd_json(charge - credit)
    assert view["amount_due"] == usd_json(charge - credit)
    assert view["credit_applied"] == usd_json(0) and view["credit_balance_after"] == usd_json(0)
    assert when(view["current_period_end_after"]) == at(2025, 7, 1)  # renewal date kept
    after = api.get(owner, sub["id"])
    assert after["plan"] == "three-hundred"
    assert when(after["current_period_end"]) == at(2025, 7, 1)


def test_golden_5_to_20_after_one_day_and_back(api: Api) -> None:
    owner, _, sub = api.paid_site("five", product="golden")  # 2025-06-01 → 07-01: 30 days
    api.advance(DAY)
    view = api.change(owner, sub["id"], plan="twenty").json()
    assert (line(view, "credit"), line(view, "charge")) == (483, 1933)
    assert view["net"] == usd_json(1450) and view["amount_due"] == usd_json(1450)
    back = api.change(owner, sub["id"], plan="five")
    assert back.status_code == 200, back.text
    view = back.json()
    assert (line(view, "credit"), line(view, "charge")) == (1933, 483)
    assert view["net"] == usd_json(-1450)
    assert view["amount_due"] == usd_json(0) and view["credit_balance_after"] == usd_json(1450)
    assert api.get(owner, sub["id"])["credit_balance"] == usd_json(1450)
    # the surplus pays the next renewal first: 500 of the 1450 at 07-01
    api.clock(at(2025, 6, 30))
    api.advance(2 * DAY)
    renewed = api.get(owner, sub["id"])
    assert renewed["status"] == "active" and renewed["credit_balance"] == usd_json(950)
    assert when(renewed["current_period_start"]) == at(2025, 7, 1)
    assert when(renewed["current_period_end"]) == at(2025, 8, 1)


def test_each_line_is_rounded_half_to_even(api: Api) -> None:
    owner, _, sub = api.paid_site("odd", product="golden")
    api.clock(at(2025, 6, 16))  # half of 2025-06-01 → 07-01 left
    view = api.change(owner, sub["id"], plan="odd-three").json()
    assert (line(view, "credit"), line(view, "charge")) == (500, 1502)  # 500.5, 1501.5
    assert view["net"] == usd_json(1002)


def test_a_product_that_is_not_a_subscription(api: Api) -> None:
    who, _ = api.account()
    err = assert_error(api.subscribe(who, product="desktop", plan="small"), 422,
                       "INVALID_REQUEST")
    assert err["details"]["field"] == "product"
    assert_error(api.subscribe(who, product="nope", plan="small"), 404, "UNKNOWN_PRODUCT")


@pytest.mark.parametrize("seconds", [1, 7 * DAY + 12345, 29 * DAY + 86399])
def test_preview_at_equals_the_change_at_that_time(api: Api, seconds: int) -> None:
    owner, _, sub = api.paid_site("hundred", product="golden")
    moment = at(2025, 6, 1) + timedelta(seconds=seconds)
    for body in ({"plan": "three-hundred"}, {"interval": "year"}, {"plan": "five"}):
        r = api.preview(owner, sub["id"], at=moment.isoformat().replace("+00:00", "Z"), **body)
        assert r.status_code == 200, r.text
        preview = r.json()
        assert_change(preview)
        api.clock(moment)
        applied = api.change(owner, sub["id"], **body)
        assert applied.status_code == 200, applied.text
        assert applied.json() == preview
        # undo at the same instant, so the next case starts from the same plan
        undo = {"plan": "hundred"} if "plan" in body else {"interval": "month"}
        if "interval" in body:
            break  # a new period started: the later cases would be in another period
        assert api.change(owner, sub["id"], **undo).status_code == 200
        api.clock(at(2025, 6, 1))


def test_preview_changes_nothing_and_at_must_be_inside_the_period(api: Api) -> None:
    owner, _, sub = api.paid_site("hundred", product="golden")
    before = api.get(owner, sub["id"])
    r = api.preview(owner, sub["id"], plan="three-hundred", at="2025-06-16T00:00:00Z")
    assert r.status_code == 200
    assert (line(r.json(), "credit"), line(r.json(), "charge")) == (5000, 15000)
    assert api.get(owner, sub["id"]) == before
    assert_error(api.preview(owner, sub["id"], plan="three-hundred",
                             at="2025-08-01T00:00:00Z"), 422, "INVALID_REQUEST")
    assert_error(api.preview(owner, sub["id"], plan="three-hundred", at="yesterday"), 422,
                 "INVALID_REQUEST")
    assert_error(api.preview(owner, sub["id"], plan="hundred"), 409, "NO_CHANGE")
    assert_error(api.change(owner, sub["id"], plan="hundred", interval="month"), 409,
                 "NO_CHANGE")
    assert_error(api.change(owner, sub["id"]), 409, "NO_CHANGE")


def test_monthly_to_yearly_starts_a_new_period_and_back(api: Api) -> None:
    owner, _, sub = api.paid_site("hundred", product="golden")
    api.clock(at(2025, 6, 16))
    view = api.change(owner, sub["id"], interval="year").json()
    assert_change(view)
    assert line(view, "credit") == 5000 and line(view, "charge") == 100000
    [charge] = [x for x in view["lines"] if x["kind"] == "charge"]
    assert (when(charge["period_start"]), when(charge["period_end"])) == (
        at(2025, 6, 16), at(2026, 6, 16))
    assert view["net"] == usd_json(95000) and view["amount_due"] == usd_json(95000)
    assert when(view["current_period_end_after"]) == at(2026, 6, 16)
    after = api.get(owner, sub["id"])
    assert after["interval"] == "year"
    assert (when(after["current_period_start"]), when(after["current_period_end"])) == (
        at(2025, 6, 16), at(2026, 6, 16))
    # yearly → monthly at a quarter of the year: credit for the unused 3/4 (exact seconds)
    api.clock(at(2025, 12, 16))
    r = api.change(owner, sub["id"], interval="month")
    view = r.json()
    left = (at(2026, 6, 16) - at(2025, 12, 16)) / (at(2026, 6, 16) - at(2025, 6, 16))
    from fractions import Fraction
    exact = Fraction(100000) * Fraction(182 * DAY, 365 * DAY)
    assert abs(left - 182 / 365) < 1e-9
    assert line(view, "credit") == round(exact)
    assert line(view, "charge") == 10000
    assert view["net"] == usd_json(10000 - round(exact))
    assert view["amount_due"] == usd_json(0)
    assert view["credit_balance_after"] == usd_json(round(exact) - 10000)
    assert when(view["current_period_end_after"]) == at(2026, 1, 16)


def test_change_with_a_declined_card_changes_nothing(api: Api) -> None:
    owner, _, sub = api.paid_site("hundred", product="golden")
    api.clock(at(2025, 6, 16))
    before = api.get(owner, sub["id"])
    assert_error(api.change(owner, sub["id"], plan="three-hundred", card_token="tok_declined"),
                 402, "CARD_DECLINED")
    assert api.get(owner, sub["id"]) == before
    r = api.change(owner, sub["id"], plan="three-hundred", card_token="tok_visa")
    assert r.status_code == 200


def test_unknown_plan_on_change(api: Api) -> None:
    owner, _, sub = api.paid_site("hundred", product="golden")
    r = api.change(owner, sub["id"], plan="platinum")
    assert 400 <= r.status_code < 500 and r.json()["error"]["code"]


# -- cancel and the lifecycle -----------------------------------------------------------------

def test_cancel_keeps_access_to_the_period_end_then_suspends_then_deletes(
        api: Api, client: TestClient) -> None:
    owner, _, sub = api.paid_site("small")
    r = client.post(f"/v1/subscriptions/{sub['id']}/cancel", headers=owner)
    assert r.status_code == 200, r.text
    canceled = r.json()
    assert_subscription(canceled)
    assert canceled["cancel_at_period_end"] is True
    assert canceled["status"] in ("canceled", "active")
    assert when(canceled["current_period_end"]) == at(2025, 7, 1)
    api.advance(29 * DAY)
    assert api.get(owner, sub["id"])["status"] == canceled["status"]  # still paid for
    invoices_before = len(client.get(f"/v1/subscriptions/{sub['id']}/invoices",
                                     headers=owner).json()["data"])
    api.advance(2 * DAY)
    ended = api.get(owner, sub["id"])
    assert ended["status"] == "suspended"
    assert len(client.get(f"/v1/subscriptions/{sub['id']}/invoices",
                          headers=owner).json()["data"]) == invoices_before  # not charged
    api.clock(at(2025, 7, 1) + timedelta(days=90, seconds=-1))
    assert api.get(owner, sub["id"])["status"] == "suspended"
    api.advance(1)
    assert api.get(owner, sub["id"])["status"] == "deleted"


def test_renewal_charges_the_card_each_period(api: Api, client: TestClient) -> None:
    owner, _, sub = api.paid_site("small")
    api.advance(31 * DAY + 31 * DAY)  # past 07-01 and 08-01
    renewed = api.get(owner, sub["id"])
    assert renewed["status"] == "active"
    assert (when(renewed["current_period_start"]), when(renewed["current_period_end"])) == (
        at(2025, 8, 1), at(2025, 9, 1))
    data = client.get(f"/v1/subscriptions/{sub['id']}/invoices", headers=owner).json()["data"]
    assert len(data) == 3


def test_trial_end_suspends_then_90_days_delete(api: Api, client: TestClient) -> None:
    owner, _ = api.account()
    member, member_acc = api.account()
    site = api.site(owner)
    sid, sub_id = site["id"], site["subscription"]["id"]
    r = client.post(f"/v1/sites/{sid}/members", json={"email": member_acc["email"],
                                                      "role": "member"}, headers=owner)
    assert r.status_code in (200, 201)
    api.advance(30 * DAY - 1)
    assert api.get(owner, sub_id)["status"] == "trialing"
    api.advance(1)
    assert api.get(owner, sub_id)["status"] == "suspended"
    assert client.get(f"/v1/sites/{sid}", headers=owner).status_code == 200
    assert client.get(f"/v1/sites/{sid}", headers=member).status_code in (403, 404)
    api.advance(90 * DAY - 1)
    assert api.get(owner, sub_id)["status"] == "suspended"
    api.advance(1)
    assert api.get(owner, sub_id)["status"] == "deleted"
    assert_error(client.get(f"/v1/sites/{sid}", headers=owner), 404, "SITE_NOT_FOUND")


def test_a_suspended_site_can_be_restarted_by_its_owner(api: Api) -> None:
    owner, _ = api.account()
    site = api.site(owner)
    api.advance(31 * DAY)
    r = api.subscribe(owner, site_id=site["id"], plan="small")
    assert r.status_code == 201, r.text
    sub = r.json()
    assert sub["status"] == "active"
    assert when(sub["current_period_start"]) == at(2025, 7, 2)


def test_a_declined_change_keeps_the_card_on_file(api: Api) -> None:
    owner, _, sub = api.paid_site("small")
    r = api.change(owner, sub["id"], plan="starter", card_token="tok_declined")
    assert r.status_code == 402
    api.advance(31 * DAY)  # the card on file is still tok_visa: the renewal goes through
    assert api.get(owner, sub["id"])["status"] == "active"


def test_a_failed_renewal_suspends_the_site(api: Api, client: TestClient) -> None:
    owner, acc = api.account()
    site = api.site(owner, "golden")
    sub_id = site["subscription"]["id"]
    assert api.subscribe(owner, site_id=site["id"], plan="three-hundred").status_code == 201
    api.advance(DAY)
    down = api.change(owner, sub_id, plan="five").json()  # credit 29000, charge 483
    assert down["credit_balance_after"] == usd_json(28517)
    assert client.post(f"/v1/subscriptions/{sub_id}/cancel", headers=owner).status_code == 200
    api.clock(at(2025, 7, 1))
    api.advance(1)
    assert api.get(owner, sub_id)["status"] == "suspended"
    # restart paid wholly from credit, so the declined card is not tried until a renewal
    r = api.subscribe(owner, site_id=site["id"], plan="hundred", card_token="tok_declined")
    assert r.status_code == 201, r.text
    assert r.json()["credit_balance"] == usd_json(18517)
    api.advance(31 * DAY)  # 08-01: renewed from credit, 8517 left
    renewed = api.get(owner, sub_id)
    assert renewed["status"] == "active" and renewed["credit_balance"] == usd_json(8517)
    api.advance(31 * DAY)  # 09-01: 1483 due from the declined card: past due, still working
    due = api.get(owner, sub_id)
    assert due["status"] == "past_due" and due["failed_payment_attempts"] == 1
    assert due["credit_balance"] == usd_json(8517)
    api.advance(8 * DAY)  # the retries 1, 3, 5 and 7 days later are declined too
    ended = api.get(owner, sub_id)
    assert ended["status"] == "suspended" and ended["credit_balance"] == usd_json(8517)
    subjects = [m["subject"] for m in client.get("/v1/sandbox/outbox", params={
        "to": acc["email"]}, headers=api.admin).json()["data"]]
    assert any("fail" in s.lower() for s in subjects), subjects


# -- Google Drive -----------------------------------------------------------------------------

def test_google_drive_rules(api: Api, client: TestClient) -> None:
    who, _ = api.account()
    other, _ = api.account()
    for quantity in (2, 5, 0, 100):
        assert_error(api.subscribe(who, product="google-drive", plan="single",
                                   google_id="g-1", quantity=quantity), 409, "SINGLE_USER_ONLY")
    r = api.subscribe(who, product="google-drive", plan="single", google_id="g-1", quantity=1)
    assert r.status_code == 201, r.text
    sub = r.json()
    assert_subscription(sub)
    assert (sub["product"], sub["plan"], sub["interval"], sub["status"]) == (
        "google-drive", "single", "month", "active")
    assert sub["google_id"] == "g-1" and sub["site_id"] is None
    assert_error(api.subscribe(other, product="google-drive", plan="single", google_id="g-1"),
                 409, "ALREADY_SUBSCRIBED")
    assert_error(api.subscribe(who, product="google-drive", plan="single", google_id="g-1"),
                 409, "ALREADY_SUBSCRIBED")
    # monthly → yearly follows the plan-change rule: new period from now, unused credit
    api.clock(at(2025, 6, 16))
    view = api.change(who, sub["id"], interval="year").json()
    assert_change(view)
    assert line(view, "credit") == 250 and line(view, "charge") == 5000
    assert view["amount_due"] == usd_json(4750)
    assert when(view["current_period_end_after"]) == at(2026, 6, 16)
    # when it ends the user keeps view-only access
    assert client.post(f"/v1/subscriptions/{sub['id']}/cancel", headers=who).status_code == 200
    assert_error(api.subscribe(other, product="google-drive", plan="single", google_id="g-1"),
                 409, "ALREADY_SUBSCRIBED")
    api.clock(at(2026, 6, 16))
    api.advance(1)
    assert api.get(who, sub["id"])["status"] == "view_only"
    r = api.subscribe(other, product="google-drive", plan="single", google_id="g-1")
    assert r.status_code == 201  # no longer live


def test_google_drive_failed_renewal_is_view_only(api: Api) -> None:
    who, _ = api.account()
    r = api.subscribe(who, product="google-drive", plan="single", google_id="g-2",
                      card_token="tok_visa")
    sub = r.json()
    api.advance(400 * DAY)
    assert api.get(who, sub["id"])["status"] == "active"  # renewed from the card on file


# -- who may see what -------------------------------------------------------------------------

def test_strangers_and_anonymous_callers_see_nothing(api: Api, client: TestClient) -> None:
    owner, site, sub = api.paid_site("small")
    stranger, _ = api.account()
    sid, sub_id = site["id"], sub["id"]
    calls = [("get", f"/v1/subscriptions/{sub_id}", None),
             ("get", f"/v1/sites/{sid}", None),
             ("get", f"/v1/subscriptions/{sub_id}/invoices", None),
             ("post", f"/v1/subscriptions/{sub_id}/change", {"plan": "starter"}),
             ("post", f"/v1/subscriptions/{sub_id}/change/preview", {"plan": "starter"}),
             ("post", f"/v1/subscriptions/{sub_id}/cancel", None),
             ("post", f"/v1/sites/{sid}/members", {"email": "a@example.com", "role": "staff"}),
             ("put", f"/v1/sites/{sid}/billing-admin", {"account_id": None}),
             ("post", f"/v1/sites/{sid}/projects", {"name": "X"}),
             ("post", f"/v1/sites/{sid}/projects/p/archive", None),
             ("post", f"/v1/sites/{sid}/projects/p/unarchive", None),
             ("post", "/v1/subscriptions", {"plan": "small", "interval": "month",
                                            "card_token": "tok_visa", "site_id": sid})]
    for method, path, body in calls:
        kwargs: dict[str, Any] = {} if body is None else {"json": body}
        r = client.request(method, path, headers=stranger, **kwargs)
        assert r.status_code in (403, 404), (path, r.text)
        assert r.json()["error"]["code"]
        r = client.request(method, path, **kwargs)
        assert_error(r, 401, "UNAUTHENTICATED")
        r = client.request(method, path, headers={"Authorization": "Bearer nonsense"}, **kwargs)
        assert_error(r, 401, "UNAUTHENTICATED")
    assert_error(client.post("/v1/sites", json={"name": "x"}), 401, "UNAUTHENTICATED")
    assert api.get(owner, sub_id)["plan"] == "small"  # nothing changed


# -- bad input never gives a 500 --------------------------------------------------------------

BAD_VALUES: list[Any] = [None, 10**40, -1, 1.5, "x" * 5000, [], {}, True, "\u0000", "😀"]


def test_bad_input_is_never_a_500(api: Api, client: TestClient) -> None:
    owner, site, sub = api.paid_site("small")
    sid, sub_id = site["id"], sub["id"]
    targets: list[tuple[str, str, dict[str, Any]]] = [
        ("post", "/v1/accounts", {"email": "z@example.com", "name": "Z", "password": "longpass1"}),
        ("post", "/v1/sessions", {"email": "z@example.com", "password": "longpass1"}),
        ("post", "/v1/sites", {"name": "S", "product": "mybalsamiq"}),
        ("post", f"/v1/sites/{sid}/members", {"email": "z@example.com", "role": "staff"}),
        ("put", f"/v1/sites/{sid}/billing-admin", {"account_id": None}),
        ("post", f"/v1/sites/{sid}/projects", {"name": "P"}),
        ("post", "/v1/subscriptions", {"product": "google-drive", "plan": "single",
                                       "interval": "month", "card_token": "tok_visa",
                                       "google_id": "g-x", "quantity": 1}),
        ("post", "/v1/subscriptions", {"plan": "small", "interval": "month",
                                       "card_token": "tok_visa", "site_id": sid}),
        ("post", f"/v1/subscriptions/{sub_id}/change/preview",
         {"plan": "starter", "interval": "year", "at": "2025-06-10T00:00:00Z"}),
        ("post", f"/v1/subscriptions/{sub_id}/change", {"plan": "small", "interval": "month",
                                                        "card_token": "tok_visa"}),
    ]
    for method, path, good in targets:
        for field in good:
            for value in BAD_VALUES:
                r = client.request(method, path, json={**good, field: value}, headers=owner)
                assert r.status_code < 500, (path, field, value, r.text)
            # a lone surrogate: valid JSON text, but no UTF-8 string
            raw = json.dumps({**good, field: "\ud800"})
            r = client.request(method, path, content=raw, headers=owner | {
                "Content-Type": "application/json"})
            assert r.status_code < 500, (path, field, r.text)
            r = client.request(method, path, json={k: v for k, v in good.items() if k != field},
                               headers=owner)
            assert r.status_code < 500, (path, field, r.text)
        for raw in (b"\xff\xfe{", b"{", b"[]", b"null", b'"x"', b"{\"plan\": 1e999}"):
            r = client.request(method, path, content=raw, headers=owner | {
                "Content-Type": "application/json"})
            assert r.status_code == 422, (path, raw, r.text)
            assert r.json()["error"]["code"] == "INVALID_REQUEST"
    weird = ["%ff", "%00", "a%00b", "x" * 3000, "..", "\u00e9"]
    for w in weird:
        for path in (f"/v1/subscriptions/{w}", f"/v1/subscriptions/{w}/invoices",
                     f"/v1/sites/{w}"):
            r = client.get(path, headers=owner)
            assert r.status_code in (404, 422), (path, r.text)
        r = client.post(f"/v1/sites/{sid}/projects/{w}/archive", headers=owner)
        assert r.status_code in (404, 422), r.text
    for q in ("limit=0", "limit=-1", "limit=99999999999999999999999", "limit=x", "cursor=%ff",
              "cursor=99999999999999999999", "cursor=-5"):
        r = client.get(f"/v1/subscriptions/{sub_id}/invoices?{q}", headers=owner)
        assert r.status_code in (200, 422), (q, r.text)


# -- audit findings (each failed before its fix) ----------------------------------------------

def test_preview_at_in_another_offset_answers_in_utc_and_equals_the_change(api: Api) -> None:
    owner, _, sub = api.paid_site("hundred", product="golden")
    # 2025-06-11T02:00+05:00 is 06-10T21:00Z; one month on in +05:00 would be 07-11T02:00+05:00
    # = 07-10T21:00Z either way, so pick a month-end: 07-01T02:00+05:00 is 06-30T21:00Z.
    moment = "2025-06-30T23:30:00+02:00"  # 21:30Z
    preview = api.preview(owner, sub["id"], interval="year", at=moment).json()
    assert_change(preview)
    for x in preview["lines"]:
        assert x["period_start"].endswith("Z") and x["period_end"].endswith("Z")
    assert preview["current_period_end_after"] == "2026-06-30T21:30:00Z"
    api.clock(at(2025, 6, 30, 21) + timedelta(minutes=30))
    assert api.change(owner, sub["id"], interval="year").json() == preview


def test_any_quantity_but_one_is_single_user_only_and_true_is_not_a_number(api: Api) -> None:
    who, _ = api.account()
    for quantity in (10**7, 10**12):
        assert_error(api.subscribe(who, product="google-drive", plan="single", google_id="g",
                                   quantity=quantity), 409, "SINGLE_USER_ONLY")
    for quantity in (True, "1", 1.5):
        assert_error(api.subscribe(who, product="google-drive", plan="single", google_id="g",
                                   quantity=quantity), 422, "INVALID_REQUEST")


def test_api_sets_no_password_policy(client: TestClient) -> None:
    r = client.post("/v1/accounts", json={"email": "p@example.com", "name": "P",
                                          "password": "pw"})
    assert r.status_code == 201, r.text
    r = client.post("/v1/sessions", json={"email": "p@example.com", "password": "pw"})
    assert r.status_code == 200


# -- more of the contract ---------------------------------------------------------------------

def test_credit_balance_pays_a_later_upgrade_first(api: Api) -> None:
    owner, _, sub = api.paid_site("twenty", product="golden")
    api.advance(DAY)  # 29/30 left
    down = api.change(owner, sub["id"], plan="five").json()
    assert down["net"] == usd_json(-1450) and down["credit_balance_after"] == usd_json(1450)
    api.advance(DAY)  # 28/30 left: credit 467, charge 1867, net 1400, all from credit
    up = api.change(owner, sub["id"], plan="twenty").json()
    assert (line(up, "credit"), line(up, "charge")) == (467, 1867)
    assert up["net"] == usd_json(1400) and up["credit_applied"] == usd_json(1400)
    assert up["amount_due"] == usd_json(0) and up["credit_balance_after"] == usd_json(50)
    assert api.get(owner, sub["id"])["credit_balance"] == usd_json(50)


def test_periods_keep_the_anchor_day(api: Api) -> None:
    api.clock(at(2024, 1, 31, 10))
    owner, _, sub = api.paid_site("small")
    ends = [when(sub["current_period_end"])]
    for _ in range(2):
        api.clock(ends[-1])
        api.advance(1)
        ends.append(when(api.get(owner, sub["id"])["current_period_end"]))
    assert ends == [at(2024, 2, 29, 10), at(2024, 3, 31, 10), at(2024, 4, 30, 10)]


def test_idempotent_change_charges_once(api: Api, client: TestClient) -> None:
    owner, _, sub = api.paid_site("hundred", product="golden")
    api.clock(at(2025, 6, 16))
    h = owner | {"Idempotency-Key": "chg-1"}
    path = f"/v1/subscriptions/{sub['id']}/change"
    one = client.post(path, json={"plan": "three-hundred"}, headers=h)
    two = client.post(path, json={"plan": "three-hundred"}, headers=h)
    assert one.status_code == two.status_code == 200 and one.json() == two.json()
    assert_error(client.post(path, json={"plan": "five"}, headers=h), 422,
                 "IDEMPOTENCY_KEY_REUSED")
    data = client.get(f"/v1/subscriptions/{sub['id']}/invoices", headers=owner).json()["data"]
    assert len(data) == 2


def test_a_plan_repriced_in_another_currency_is_refused_not_a_500(api: Api, client: TestClient,
                                                                  admin: dict[str, str]) -> None:
    owner, _, sub = api.paid_site("hundred", product="golden")
    euros = {**GOLDEN, "plans": [
        {**p, "monthly_price": {**p["monthly_price"], "currency": "EUR"},
         "yearly_price": {**p["yearly_price"], "currency": "EUR"}} for p in GOLDEN["plans"]]}
    assert client.put("/v1/products/golden", json=euros, headers=admin).status_code == 200
    api.clock(at(2025, 6, 16))
    assert_error(api.preview(owner, sub["id"], plan="three-hundred"), 409, "CURRENCY_MISMATCH")
    assert_error(api.change(owner, sub["id"], plan="three-hundred"), 409, "CURRENCY_MISMATCH")
    api.advance(20 * DAY)  # renewal keeps billing in dollars at the last price
    renewed = api.get(owner, sub["id"])
    assert renewed["status"] == "active" and when(renewed["current_period_end"]) == at(2025, 8, 1)
