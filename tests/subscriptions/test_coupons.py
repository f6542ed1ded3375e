"""Coupons on subscriptions: how long they discount (once, repeating, forever), the discount
line on the first invoice, plan changes and renewals, and the preview equal to the change."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from licensor.core.context import Context
from licensor.core.money import Money
from licensor.discounts.rules import Coupon
from licensor.discounts.service import CouponTerms, create_coupon
from tests.subscriptions.conftest import START, Shop

DAY = 86400


def make_coupon(ctx: Context, code: str, *, percent: str | None = None,
                amount_off: int | None = None, **kw: Any) -> None:
    """A coupon made as the vendor makes it (the discounts service)."""
    with ctx.db.transaction() as session:
        create_coupon(session, CouponTerms(
            code=code, percent_off=Decimal(percent) if percent else None,
            amount_off=Money(amount_off, "USD") if amount_off else None, **kw),
            now=START - timedelta(days=1), actor="test")


def subscribe(shop: Shop, plan: str = "small", coupon: str | None = None,
              interval: str = "month") -> tuple[dict[str, str], str]:
    owner, _ = shop.account()
    sid = shop.site(owner)["id"]
    body = {"plan": plan, "interval": interval, "card_token": "tok_visa", "site_id": sid}
    if coupon:
        body["coupon"] = coupon
    r = shop.client.post("/v1/subscriptions", headers=owner, json=body)
    assert r.status_code == 201, r.text
    return owner, r.json()["id"]


def lines(invoice: dict[str, Any]) -> list[tuple[str, int]]:
    return [(x["kind"], x["amount"]["amount"]) for x in invoice["lines"]]


def test_a_forever_ten_percent_coupon_applies_to_every_renewal(ctx: Context,
                                                              shop: Shop) -> None:
    make_coupon(ctx, "FOREVER10", percent="10", duration="forever")
    owner, sub_id = subscribe(shop, "small", "forever10")  # 12.00 a month; case-insensitive
    shop.advance(153 * DAY)  # 2025-11-01: five renewals
    invoices = shop.invoices(owner, sub_id)
    assert [i["reason"] for i in invoices] == ["subscription_create"] + ["renewal"] * 5
    assert [i["created_at"][:10] for i in invoices[1:]] == [
        "2025-07-01", "2025-08-01", "2025-09-01", "2025-10-01", "2025-11-01"]
    for invoice in invoices:
        assert lines(invoice) == [("charge", 1200), ("discount", -120)]
        assert invoice["lines"][1]["description"] == "Coupon FOREVER10 (10% off)"
        assert invoice["lines"][1]["period_start"] == invoice["lines"][0]["period_start"]
        assert (invoice["net"]["amount"], invoice["amount_paid"]["amount"]) == (1080, 1080)


def test_a_repeating_three_months_coupon_stops_after_three_invoices(ctx: Context,
                                                                  shop: Shop) -> None:
    make_coupon(ctx, "THREE20", percent="20", duration="repeating", duration_in_months=3)
    owner, sub_id = subscribe(shop, "starter", "THREE20")  # 24.00 a month
    shop.advance(153 * DAY)
    paid = [i["amount_paid"]["amount"] for i in shop.invoices(owner, sub_id)]
    assert paid == [1920, 1920, 1920, 2400, 2400, 2400]
    assert [len(i["lines"]) for i in shop.invoices(owner, sub_id)] == [2, 2, 2, 1, 1, 1]


def test_a_once_coupon_discounts_only_the_first_invoice(ctx: Context, shop: Shop) -> None:
    make_coupon(ctx, "FIVEOFF", amount_off=500)  # duration once (the default)
    owner, sub_id = subscribe(shop, "small", "FIVEOFF")
    shop.advance(61 * DAY)
    invoices = shop.invoices(owner, sub_id)
    assert [lines(i) for i in invoices] == [[("charge", 1200), ("discount", -500)],
                                             [("charge", 1200)], [("charge", 1200)]]
    assert invoices[0]["lines"][1]["description"] == Coupon(
        "FIVEOFF", amount_off=Money(500, "USD")).describe()
    assert [i["amount_paid"]["amount"] for i in invoices] == [700, 1200, 1200]


def test_a_percent_coupon_makes_the_credit_what_was_paid(ctx: Context, shop: Shop,
                                                         client: TestClient) -> None:
    make_coupon(ctx, "FOREVER10", percent="10", duration="forever")
    owner, sub_id = subscribe(shop, "small", "FOREVER10")  # paid 10.80 for the month
    shop.advance(15 * DAY)  # half the month left
    r = client.post(f"/v1/subscriptions/{sub_id}/change", json={"plan": "large"},
                    headers=owner)
    assert r.status_code == 200, r.text
    # credit: half of the 10.80 paid; the coupon still discounts the change's charge
    assert lines(r.json()) == [("credit", 540), ("charge", 4950), ("discount", -495)]
    assert r.json()["amount_due"]["amount"] == 4950 - 495 - 540
    shop.advance(5 * DAY)  # 10/30 left: the credit is at the discounted large price (89.10)
    r = client.post(f"/v1/subscriptions/{sub_id}/change", json={"plan": "medium"},
                    headers=owner)
    assert lines(r.json()) == [("credit", 2970), ("charge", 1633), ("discount", -163)]
    assert r.json()["credit_balance_after"]["amount"] == 1500  # 2970 - (1633 - 163)


def test_an_amount_off_coupon_leaves_the_credit_at_the_list_price(ctx: Context, shop: Shop,
                                                                  client: TestClient) -> None:
    make_coupon(ctx, "FIVEOFF", amount_off=500)
    owner, sub_id = subscribe(shop, "small", "FIVEOFF")  # paid 7.00: the 5.00 is the buyer's
    shop.advance(15 * DAY)
    r = client.post(f"/v1/subscriptions/{sub_id}/change", json={"plan": "large"},
                    headers=owner)
    assert lines(r.json()) == [("credit", 600), ("charge", 4950)]  # the once coupon is over


def test_a_coupon_given_on_a_change_replaces_the_subscriptions(ctx: Context, shop: Shop,
                                                               client: TestClient) -> None:
    make_coupon(ctx, "FOREVER10", percent="10", duration="forever")
    make_coupon(ctx, "HALF", percent="50", duration="repeating", duration_in_months=2)
    owner, sub_id = subscribe(shop, "small", "FOREVER10")
    shop.advance(10 * DAY)  # 06-11, 20/30 left
    r = client.post(f"/v1/subscriptions/{sub_id}/change",
                    json={"plan": "starter", "coupon": "half"}, headers=owner)
    assert r.status_code == 200, r.text
    # 20/30 of 10.80 paid = 7.20; 20/30 of 24.00 = 16.00, half off
    assert lines(r.json()) == [("credit", 720), ("charge", 1600), ("discount", -800)]
    assert r.json()["lines"][2]["description"] == "Coupon HALF (50% off)"
    shop.advance(81 * DAY)  # 08-31: renewals on 07-01 and 08-01 (before 08-11), none after
    shop.advance(31 * DAY)  # 10-01
    renewals = [i for i in shop.invoices(owner, sub_id) if i["reason"] == "renewal"]
    assert [lines(i) for i in renewals] == [
        [("charge", 2400), ("discount", -1200)], [("charge", 2400), ("discount", -1200)],
        [("charge", 2400)], [("charge", 2400)]]


def test_the_coupon_of_a_subscription_is_shown_on_its_billing_page(ctx: Context, shop: Shop,
                                                                   client: TestClient) -> None:
    from tests.portal.helpers import post

    make_coupon(ctx, "FOREVER10", percent="10", duration="forever")
    signed = post(client, "/signup", {"name": "Own", "email": "own@acme.test",
                                      "password": "pw"}, follow_redirects=False)
    assert signed.status_code == 303
    made = post(client, "/sites", {"name": "Acme"}, token_from="/sites", follow_redirects=False)
    billing = made.headers["location"] + "/billing"
    done = post(client, billing, {"action": "subscribe", "plan": "small", "interval": "month",
                                  "card_token": "tok_visa", "coupon": "FOREVER10"},
                follow_redirects=False)
    assert done.status_code == 303, done.text
    page = client.get(billing).text
    assert 'data-field="discount">Coupon FOREVER10 (10% off), on every invoice<' in page


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seconds=st.integers(min_value=1, max_value=30 * DAY - 1),
       target=st.sampled_from([("large", None), ("starter", None), ("small", "year")]),
       kind=st.sampled_from(["12.5", "33", "amount"]))
def test_the_preview_with_a_coupon_equals_the_change(ctx: Context, shop: Shop,
                                                     client: TestClient, seconds: int,
                                                     target: tuple[str, str | None],
                                                     kind: str) -> None:
    owner, sub_id = subscribe(shop, "medium")
    code = f"C{shop.count}"
    make_coupon(ctx, code, percent=None if kind == "amount" else kind,
                amount_off=700 if kind == "amount" else None)
    at = START + timedelta(seconds=seconds)
    body: dict[str, Any] = {"plan": target[0], "coupon": code}
    if target[1]:
        body["interval"] = target[1]
    preview = client.post(f"/v1/subscriptions/{sub_id}/change/preview",
                          json={**body, "at": at.isoformat()}, headers=owner)
    assert preview.status_code == 200, preview.text
    shop.set_clock(at)
    change = client.post(f"/v1/subscriptions/{sub_id}/change", json=body, headers=owner)
    assert change.status_code == 200, change.text
    assert change.json() == preview.json()
    kinds = [x["kind"] for x in change.json()["lines"]]
    charge = change.json()["lines"][1]["amount"]["amount"]
    assert kinds == (["credit", "charge", "discount"] if charge else ["credit", "charge"])
    invoice = shop.invoices(owner, sub_id)[-1]
    assert invoice["net"] == change.json()["net"]
    assert [x["amount"] for x in invoice["lines"]] == [
        x["amount"] for x in change.json()["lines"]]
    shop.set_clock(START)


def test_the_subscription_answer_names_its_coupon_and_until_when(ctx: Context,
                                                                 shop: Shop) -> None:
    make_coupon(ctx, "FOREVER10", percent="10", duration="forever")
    make_coupon(ctx, "THREE", percent="20", duration="repeating", duration_in_months=3)
    owner, forever = subscribe(shop, "small", "forever10")
    shown = shop.client.get(f"/v1/subscriptions/{forever}", headers=owner).json()["discount"]
    assert shown["coupon"] == "FOREVER10" and shown["ends_at"] is None
    assert shown["description"] == "Coupon FOREVER10 (10% off)"
    owner, repeating = subscribe(shop, "small", "THREE")
    shown = shop.client.get(f"/v1/subscriptions/{repeating}", headers=owner).json()["discount"]
    assert shown["applied_at"][:10] == "2025-06-01" and shown["ends_at"][:10] == "2025-09-01"
    owner, plain = subscribe(shop, "small")
    assert shop.client.get(f"/v1/subscriptions/{plain}", headers=owner).json()["discount"] is None
