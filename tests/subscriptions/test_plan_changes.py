"""Subscribing and changing plan through the API: prorated lines, credit, card, refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.subscriptions.conftest import START, Shop

DAY = 86400


def code(r: Any) -> str:
    return str(r.json()["error"]["code"])


def amounts(view: dict[str, Any]) -> dict[str, int]:
    credit, charge = view["lines"]
    return {"credit": credit["amount"]["amount"], "charge": charge["amount"]["amount"],
            "net": view["net"]["amount"], "due": view["amount_due"]["amount"],
            "balance": view["credit_balance_after"]["amount"]}


def paid_site(shop: Shop, plan: str = "small", interval: str = "month"
              ) -> tuple[dict[str, str], str, str]:
    owner, _ = shop.account()
    sid = shop.site(owner)["id"]
    sub = shop.subscribe(owner, sid, plan=plan, interval=interval)
    return owner, sid, sub["id"]


def test_subscribing_ends_the_trial_and_starts_a_paid_period_now(shop: Shop,
                                                                 client: TestClient) -> None:
    owner, acc = shop.account()
    sid = shop.site(owner)["id"]
    shop.advance(10 * DAY)
    sub = shop.subscribe(owner, sid, plan="medium", interval="year")
    assert (sub["status"], sub["plan"], sub["interval"]) == ("active", "medium", "year")
    assert sub["current_period_start"] == "2025-06-11T00:00:00Z"
    assert sub["current_period_end"] == "2026-06-11T00:00:00Z"
    [invoice] = shop.invoices(owner, sub["id"])
    assert invoice["amount_paid"] == {"amount": 49000, "currency": "USD"}
    assert invoice["reason"] == "subscription_create" and invoice["charge_id"]
    assert any("subscription" in m["subject"] for m in shop.outbox(acc["email"]))
    r = client.post("/v1/subscriptions", headers=owner, json={
        "plan": "small", "interval": "month", "card_token": "tok_visa", "site_id": sid})
    assert r.status_code == 409 and code(r) == "ALREADY_SUBSCRIBED"


def test_subscribe_refusals(shop: Shop, client: TestClient) -> None:
    owner, _ = shop.account()
    sid = shop.site(owner)["id"]
    base = {"interval": "month", "card_token": "tok_visa", "site_id": sid}
    r = client.post("/v1/subscriptions", headers=owner, json={**base, "plan": "huge"})
    assert r.status_code == 422 and code(r) == "UNKNOWN_PLAN"
    r = client.post("/v1/subscriptions", headers=owner, json={**base, "plan": "small",
                                                             "card_token": "tok_declined"})
    assert r.status_code == 402 and code(r) == "CARD_DECLINED"
    assert client.get(f"/v1/sites/{sid}", headers=owner).json()["subscription"][
        "status"] == "trialing"
    r = client.post("/v1/subscriptions", headers=owner, json={**base, "plan": "small",
                                                             "interval": "week"})
    assert r.status_code == 422 and code(r) == "INVALID_REQUEST"
    r = client.post("/v1/subscriptions", headers=owner, json={**base, "plan": "small",
                                                             "product": "google-drive"})
    assert r.status_code == 422
    r = client.post("/v1/subscriptions", headers=owner, json={
        "plan": "small", "interval": "month", "card_token": "tok_visa"})
    assert r.status_code == 422


def test_golden_upgrade_mid_month_through_the_api(shop: Shop, client: TestClient) -> None:
    owner, _, sub_id = paid_site(shop, "small")  # 12.00/month, 2025-06-01 → 07-01
    shop.advance(15 * DAY)  # 06-16: half the period left
    r = client.post(f"/v1/subscriptions/{sub_id}/change/preview", json={"plan": "large"},
                    headers=owner)
    assert r.status_code == 200, r.text
    preview = r.json()
    assert amounts(preview) == {"credit": 600, "charge": 4950, "net": 4350, "due": 4350,
                                "balance": 0}
    assert preview["current_period_end_after"] == "2025-07-01T00:00:00Z"
    assert preview["lines"][0]["period_start"] == "2025-06-16T00:00:00Z"
    r = client.post(f"/v1/subscriptions/{sub_id}/change", json={"plan": "large"},
                    headers=owner)
    assert r.status_code == 200 and r.json() == preview
    sub = client.get(f"/v1/subscriptions/{sub_id}", headers=owner).json()
    assert (sub["plan"], sub["current_period_end"]) == ("large", "2025-07-01T00:00:00Z")
    invoice = shop.invoices(owner, sub_id)[-1]
    assert invoice["reason"] == "plan_change" and invoice["amount_paid"]["amount"] == 4350


def test_downgrade_surplus_becomes_credit_that_pays_the_renewal(shop: Shop,
                                                                client: TestClient) -> None:
    owner, _, sub_id = paid_site(shop, "large")  # 99.00
    shop.advance(15 * DAY)
    r = client.post(f"/v1/subscriptions/{sub_id}/change", json={"plan": "small"},
                    headers=owner)
    assert amounts(r.json()) == {"credit": 4950, "charge": 600, "net": -4350, "due": 0,
                                 "balance": 4350}
    sub = client.get(f"/v1/subscriptions/{sub_id}", headers=owner).json()
    assert sub["credit_balance"] == {"amount": 4350, "currency": "USD"}
    shop.advance(15 * DAY)  # renewal on 07-01: 12.00 paid from credit
    sub = client.get(f"/v1/subscriptions/{sub_id}", headers=owner).json()
    assert sub["credit_balance"]["amount"] == 4350 - 1200
    assert sub["current_period_end"] == "2025-08-01T00:00:00Z"
    renewal = shop.invoices(owner, sub_id)[-1]
    assert renewal["reason"] == "renewal" and renewal["created_at"] == "2025-07-01T00:00:00Z"
    assert (renewal["credit_applied"]["amount"], renewal["amount_paid"]["amount"]) == (1200, 0)
    # a later upgrade uses the rest of the credit before the card
    r = client.post(f"/v1/subscriptions/{sub_id}/change", json={"plan": "large"},
                    headers=owner)
    got = amounts(r.json())
    assert got["net"] == 9900 - 1200 and got["due"] == 8700 - 3150 and got["balance"] == 0


def test_several_changes_in_one_period_chain(shop: Shop, client: TestClient) -> None:
    owner, _, sub_id = paid_site(shop, "small")
    shop.advance(6 * DAY)  # 06-07: 24/30 left
    first = client.post(f"/v1/subscriptions/{sub_id}/change", json={"plan": "large"},
                        headers=owner).json()
    assert amounts(first)["credit"] == 960 and amounts(first)["charge"] == 7920
    shop.advance(12 * DAY)  # 06-19: 12/30 left; the credit is at the large price paid
    second = client.post(f"/v1/subscriptions/{sub_id}/change", json={"plan": "medium"},
                         headers=owner).json()
    assert amounts(second)["credit"] == 3960 and amounts(second)["charge"] == 1960
    assert amounts(second)["credit"] <= amounts(first)["charge"]


def test_monthly_to_yearly_starts_a_new_period(shop: Shop, client: TestClient) -> None:
    owner, _, sub_id = paid_site(shop, "small")
    shop.advance(15 * DAY)
    r = client.post(f"/v1/subscriptions/{sub_id}/change", json={"interval": "year"},
                    headers=owner)
    view = r.json()
    assert amounts(view) == {"credit": 600, "charge": 12000, "net": 11400, "due": 11400,
                             "balance": 0}
    assert view["current_period_end_after"] == "2026-06-16T00:00:00Z"
    sub = client.get(f"/v1/subscriptions/{sub_id}", headers=owner).json()
    assert (sub["interval"], sub["current_period_start"]) == ("year", "2025-06-16T00:00:00Z")


def test_change_refusals_change_nothing(shop: Shop, client: TestClient) -> None:
    owner, sid, sub_id = paid_site(shop, "medium")
    shop.projects(owner, sid, 4)
    shop.advance(DAY)
    path = f"/v1/subscriptions/{sub_id}/change"
    r = client.post(path, json={"plan": "medium"}, headers=owner)
    assert r.status_code == 409 and code(r) == "NO_CHANGE"
    r = client.post(path, json={"plan": "small"}, headers=owner)
    assert r.status_code == 409 and code(r) == "PLAN_TOO_SMALL"
    r = client.post(f"{path}/preview", json={"plan": "small"}, headers=owner)
    assert r.status_code == 409 and code(r) == "PLAN_TOO_SMALL"
    r = client.post(path, json={"plan": "nope"}, headers=owner)
    assert r.status_code == 422 and code(r) == "UNKNOWN_PLAN"
    r = client.post(path, json={"plan": "large", "card_token": "tok_declined"}, headers=owner)
    assert r.status_code == 402 and code(r) == "CARD_DECLINED"
    sub = client.get(f"/v1/subscriptions/{sub_id}", headers=owner).json()
    assert sub["plan"] == "medium" and len(shop.invoices(owner, sub_id)) == 1
    r = client.post(f"{path}/preview", json={"plan": "large",
                                             "at": "2025-08-01T00:00:00Z"}, headers=owner)
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "at"
    r = client.post("/v1/subscriptions/nope/change", json={"plan": "large"}, headers=owner)
    assert r.status_code == 404 and code(r) == "SUBSCRIPTION_NOT_FOUND"


def test_trial_cannot_change_plan_or_cancel(shop: Shop, client: TestClient) -> None:
    owner, _ = shop.account()
    sub_id = shop.site(owner)["subscription"]["id"]
    for path in ("change", "cancel"):
        r = client.post(f"/v1/subscriptions/{sub_id}/{path}", json={"plan": "large"},
                        headers=owner)
        assert r.status_code == 409 and code(r) == "SUBSCRIPTION_NOT_ACTIVE"


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seconds=st.integers(min_value=1, max_value=30 * DAY - 1),
       target=st.sampled_from([("starter", None), ("large", None), ("small", "year"),
                               ("large", "year")]))
def test_preview_at_t_equals_the_change_made_at_t(shop: Shop, client: TestClient,
                                                  seconds: int,
                                                  target: tuple[str, str | None]) -> None:
    owner, _, sub_id = paid_site(shop, "medium")
    at = START + timedelta(seconds=seconds)
    body: dict[str, Any] = {"plan": target[0]}
    if target[1]:
        body["interval"] = target[1]
    preview = client.post(f"/v1/subscriptions/{sub_id}/change/preview",
                          json={**body, "at": at.isoformat()}, headers=owner).json()
    shop.set_clock(at)
    change = client.post(f"/v1/subscriptions/{sub_id}/change", json=body, headers=owner).json()
    assert change == preview
    shop.set_clock(START)


def test_a_retried_subscribe_or_change_charges_once(shop: Shop, client: TestClient) -> None:
    owner, _ = shop.account()
    sid = shop.site(owner)["id"]
    body = {"plan": "small", "interval": "month", "card_token": "tok_visa", "site_id": sid}
    key = {**owner, "Idempotency-Key": "sub-1"}
    first = client.post("/v1/subscriptions", json=body, headers=key)
    again = client.post("/v1/subscriptions", json=body, headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    path = f"/v1/subscriptions/{first.json()['id']}/change"
    key = {**owner, "Idempotency-Key": "change-1"}
    one = client.post(path, json={"plan": "large"}, headers=key)
    two = client.post(path, json={"plan": "large"}, headers=key)
    assert one.json() == two.json()
    assert [i["reason"] for i in shop.invoices(owner, first.json()["id"])] == [
        "subscription_create", "plan_change"]


def test_changes_are_audited_and_mailed(shop: Shop, client: TestClient, ctx: Any) -> None:
    from licensor.core.audit import entries_for, verify_chain

    owner, _, sub_id = paid_site(shop, "small")
    shop.advance(DAY)
    client.post(f"/v1/subscriptions/{sub_id}/change", json={"plan": "starter"}, headers=owner)
    client.post(f"/v1/subscriptions/{sub_id}/cancel", headers=owner)
    with ctx.db.reader() as session:
        actions = [e.action for e in entries_for(session, sub_id)]
        assert actions == ["subscription.started", "subscription.plan_changed",
                           "subscription.canceled"]
        assert verify_chain(session).ok
    mails = sorted(m["subject"] for m in shop.outbox(f"user{shop.count}@example.test"))
    assert mails == ["Your myBalsamiq plan changed: Acme", "Your myBalsamiq subscription: Acme",
                     "Your subscription is canceled: Acme"]  # each names the site
