"""Dunning through the sandbox clock: a declined renewal makes the subscription past due (the
site keeps working), the card is tried again 1, 3, 5 and 7 days later with a mail to the
billing admin at each failure, and only the last failure suspends the site; a card update
charges the open renewal at once, the period running from the original renewal date."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select

from licensor.config import Settings
from licensor.core.context import Context
from licensor.core.formats import money
from licensor.core.money import Money
from licensor.core.payment_models import PaymentAttemptRow
from licensor.subscriptions.models import SubscriptionRow
from tests.payments.helpers import set_mode
from tests.staff.helpers import log_in
from tests.subscriptions.conftest import Shop

DAY = 86400
RENEWAL = datetime(2025, 7, 1, tzinfo=UTC)  # a monthly subscription started June 1st
STAMP = "2025-07-01T00:00:00Z"


def sub_of(client: TestClient, who: dict[str, str], sub_id: str) -> dict[str, Any]:
    r = client.get(f"/v1/subscriptions/{sub_id}", headers=who)
    assert r.status_code == 200, r.text
    return dict(r.json())


def put_card(client: TestClient, who: dict[str, str], sub_id: str, token: str) -> Any:
    return client.put(f"/v1/subscriptions/{sub_id}/card", json={"card_token": token},
                      headers=who)


def events(client: TestClient, admin: dict[str, str], kind: str, sub_id: str
           ) -> list[dict[str, Any]]:
    r = client.get("/v1/events", params={"type": kind, "limit": 100}, headers=admin)
    assert r.status_code == 200, r.text
    return [e for e in r.json()["data"] if e["data"]["id"] == sub_id]


def tries(ctx: Context, sub_id: str) -> list[tuple[datetime, str]]:
    """Every charge asked of the processor for the subscription: when (business time), and
    how it ended."""
    with ctx.db.reader() as s:
        rows = s.scalars(select(PaymentAttemptRow).where(
            PaymentAttemptRow.subject_id == sub_id).order_by(PaymentAttemptRow.business_time))
        return [(r.business_time, r.status) for r in rows]


def charges(client: TestClient, admin: dict[str, str], sub_id: str) -> list[dict[str, Any]]:
    r = client.get("/v1/sandbox/charges", params={"limit": 1000}, headers=admin)
    assert r.status_code == 200, r.text
    return [c for c in r.json()["data"] if c["metadata"].get("subscription_id") == sub_id]


def billed_site(shop: Shop, client: TestClient) -> dict[str, Any]:
    """A site on the small plan whose billing admin is a staff member, with a member, and a
    card on file that declines every charge (saved through the API while active)."""
    owner, owner_acc = shop.account()
    billing, billing_acc = shop.account()
    member, member_acc = shop.account()
    site = shop.site(owner, "Acme Rockets")
    for who, role in ((billing_acc, "staff"), (member_acc, "member")):
        r = client.post(f"/v1/sites/{site['id']}/members",
                        json={"email": who["email"], "role": role}, headers=owner)
        assert r.status_code == 201, r.text
    r = client.put(f"/v1/sites/{site['id']}/billing-admin",
                   json={"account_id": billing_acc["id"]}, headers=owner)
    assert r.status_code == 200, r.text
    sub = shop.subscribe(owner, site["id"], plan="small")
    r = put_card(client, billing, sub["id"], "tok_chargeCustomerFail")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "active" and r.json()["failed_payment_attempts"] == 0
    return {"owner": owner, "owner_email": owner_acc["email"], "billing": billing,
            "billing_email": billing_acc["email"], "member": member, "site": site,
            "sub": sub}


def failure_mails(shop: Shop, email: str) -> list[dict[str, Any]]:
    return [m for m in shop.outbox(email) if m["subject"].startswith("Payment failed")]


def test_the_whole_cycle_to_suspended(shop: Shop, client: TestClient, ctx: Context,
                                      admin: dict[str, str]) -> None:
    b = billed_site(shop, client)
    sub_id, sid = b["sub"]["id"], b["site"]["id"]
    shop.advance(30 * DAY)  # the renewal's day: declined
    now = sub_of(client, b["owner"], sub_id)
    assert (now["status"], now["past_due_since"], now["next_payment_attempt_at"],
            now["failed_payment_attempts"]) == ("past_due", STAMP, "2025-07-02T00:00:00Z", 1)
    assert now["current_period_end"] == STAMP  # nothing renewed
    [mail] = failure_mails(shop, b["billing_email"])
    body = " ".join(mail["body"].split())  # as read, whatever the wrapping
    assert "Acme Rockets" in mail["subject"] and "your site Acme Rockets" in body
    [first] = shop.invoices(b["owner"], sub_id)  # the renewal costs what the first month did
    cents, currency = first["amount_paid"]["amount"], first["amount_paid"]["currency"]
    assert f"charge {money(Money(cents, currency))} to the card" in body
    assert f"{ctx.settings.public_url}/sites/{sid}/billing" in body
    assert "try the card again on July 2, 2025" in body
    assert failure_mails(shop, b["owner_email"]) == []  # the billing admin is told, not both
    # the site keeps working, for its members too
    assert client.get(f"/v1/sites/{sid}", headers=b["member"]).status_code == 200
    assert client.post(f"/v1/sites/{sid}/projects", json={"name": "Still here"},
                       headers=b["owner"]).status_code == 201
    r = client.post(f"/v1/subscriptions/{sub_id}/change", json={"plan": "medium"},
                    headers=b["owner"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "SUBSCRIPTION_NOT_ACTIVE"
    assert f"/v1/subscriptions/{sub_id}/card" in r.json()["error"]["message"]
    shop.advance(6 * DAY)  # July 7: the retries of days 1, 3 and 5 failed
    now = sub_of(client, b["owner"], sub_id)
    assert (now["status"], now["failed_payment_attempts"], now["next_payment_attempt_at"]) == (
        "past_due", 4, "2025-07-08T00:00:00Z")
    assert len(failure_mails(shop, b["billing_email"])) == 4
    shop.advance(DAY)  # July 8: the last retry fails
    now = sub_of(client, b["owner"], sub_id)
    assert (now["status"], now["next_payment_attempt_at"], now["failed_payment_attempts"]) == (
        "suspended", None, 5)
    declined = [(at - RENEWAL).days for at, status in tries(ctx, sub_id) if status == "declined"]
    assert declined == [0, 1, 3, 5, 7]
    mails = failure_mails(shop, b["billing_email"])
    assert len(mails) == 5 and "subscription ended" in mails[-1]["subject"]
    ended = [m for m in shop.outbox(b["owner_email"]) if m["subject"] ==
             "Your subscription has ended"]
    assert len(ended) == 1 and "deleted on 2025-10-06" in ended[0]["body"]  # July 8 + 90 days
    failed = events(client, admin, "subscription.payment_failed", sub_id)
    assert sorted(e["data"]["failed_payment_attempts"] for e in failed) == [1, 2, 3, 4, 5]
    assert all(e["data"]["status"] == "past_due" for e in failed)
    [suspended] = events(client, admin, "subscription.suspended", sub_id)
    assert suspended["data"]["status"] == "suspended"
    r = client.get(f"/v1/sites/{sid}", headers=b["member"])
    assert r.status_code == 403 and r.json()["error"]["code"] == "SITE_SUSPENDED"
    r = put_card(client, b["owner"], sub_id, "tok_visa")  # ended: subscribe again instead
    assert r.status_code == 409 and r.json()["error"]["code"] == "SUBSCRIPTION_NOT_ACTIVE"
    assert charges(client, admin, sub_id)[1:] == []  # only the first month was ever charged
    shop.advance(89 * DAY)
    assert client.get(f"/v1/sites/{sid}", headers=b["owner"]).status_code == 200
    shop.advance(DAY)
    assert sub_of(client, b["owner"], sub_id)["status"] == "deleted"


def test_a_card_update_pays_at_once_from_the_original_renewal_date(
        shop: Shop, client: TestClient, ctx: Context, admin: dict[str, str]) -> None:
    b = billed_site(shop, client)
    sub_id = b["sub"]["id"]
    shop.advance(32 * DAY)  # July 3: declined on the 1st and the 2nd
    assert sub_of(client, b["owner"], sub_id)["failed_payment_attempts"] == 2
    # only the billing admin or the owner; others get the usual refusals
    r = put_card(client, b["member"], sub_id, "tok_visa")
    assert r.status_code == 403 and r.json()["error"]["code"] == "NOT_BILLING_ADMIN"
    stranger, _ = shop.account()
    r = put_card(client, stranger, sub_id, "tok_visa")
    assert r.status_code == 404 and r.json()["error"]["code"] == "SUBSCRIPTION_NOT_FOUND"
    # another card that declines: 402, still past due, the schedule unchanged, no mail
    r = put_card(client, b["billing"], sub_id, "tok_chargeCustomerFail")
    assert r.status_code == 402 and r.json()["error"]["code"] == "CARD_DECLINED"
    with ctx.db.reader() as session:  # saved all the same: the customer's latest card
        row = session.get(SubscriptionRow, sub_id)
        assert row is not None and row.payment_method_id == "pm_card_chargeCustomerFail"
    now = sub_of(client, b["owner"], sub_id)
    assert (now["status"], now["failed_payment_attempts"], now["next_payment_attempt_at"]) == (
        "past_due", 2, "2025-07-04T00:00:00Z")
    assert len(failure_mails(shop, b["billing_email"])) == 2
    r = put_card(client, b["billing"], sub_id, "tok_visa")
    assert r.status_code == 200, r.text
    paid = r.json()
    assert (paid["status"], paid["past_due_since"], paid["next_payment_attempt_at"],
            paid["failed_payment_attempts"]) == ("active", None, None, 0)
    assert (paid["current_period_start"], paid["current_period_end"]) == (
        STAMP, "2025-08-01T00:00:00Z")
    renewal = [i for i in shop.invoices(b["owner"], sub_id) if i["reason"] == "renewal"]
    assert len(renewal) == 1 and renewal[0]["created_at"] == "2025-07-03T00:00:00Z"
    assert renewal[0]["lines"][0]["period_start"] == STAMP
    live = [c for c in charges(client, admin, sub_id) if c["status"] == "succeeded"]
    assert len(live) == 2  # the first month and this renewal: one live charge for it
    assert live[1]["amount"] == renewal[0]["amount_paid"]
    # the old retry dates pass quietly; the next renewal is charged to the new card
    shop.advance(29 * DAY)  # August 1st
    assert len(failure_mails(shop, b["billing_email"])) == 2
    now = sub_of(client, b["owner"], sub_id)
    assert (now["status"], now["current_period_end"]) == ("active", "2025-09-01T00:00:00Z")
    assert len([c for c in charges(client, admin, sub_id) if c["status"] == "succeeded"]) == 3


def test_a_retry_that_pays_runs_from_the_original_renewal_date(
        shop: Shop, client: TestClient, ctx: Context, admin: dict[str, str]) -> None:
    b = billed_site(shop, client)
    sub_id = b["sub"]["id"]
    shop.advance(30 * DAY + 3600)
    with ctx.db.transaction() as session:  # the bank lets the card through again
        row = session.get(SubscriptionRow, sub_id)
        assert row is not None
        row.payment_method_id = "pm_card_visa"
    shop.advance(DAY)  # the day-1 retry pays
    now = sub_of(client, b["owner"], sub_id)
    assert (now["status"], now["failed_payment_attempts"], now["current_period_start"],
            now["current_period_end"]) == ("active", 0, STAMP, "2025-08-01T00:00:00Z")
    [renewal] = [i for i in shop.invoices(b["owner"], sub_id) if i["reason"] == "renewal"]
    assert renewal["created_at"] == "2025-07-02T00:00:00Z"
    assert [(at - RENEWAL, s) for at, s in tries(ctx, sub_id)][1:] == [
        (timedelta(0), "declined"), (timedelta(days=1), "succeeded")]
    [renewed] = events(client, admin, "subscription.renewed", sub_id)
    assert renewed["data"]["status"] == "active"


def test_the_card_is_for_a_subscription_with_renewals_ahead(shop: Shop,
                                                            client: TestClient) -> None:
    owner, _ = shop.account()
    site = shop.site(owner)
    r = put_card(client, owner, site["subscription"]["id"], "tok_visa")  # in its trial
    assert r.status_code == 409 and r.json()["error"]["code"] == "SUBSCRIPTION_NOT_ACTIVE"
    sub = shop.subscribe(owner, site["id"])
    r = put_card(client, owner, sub["id"], "not-a-card")
    assert r.status_code == 402 and r.json()["error"]["code"] == "CARD_DECLINED"
    r = put_card(client, owner, sub["id"], "")
    assert r.status_code == 422


def test_the_retry_days_follow_the_setting(shop: Shop, client: TestClient,
                                           ctx: Context) -> None:
    ctx.settings.dunning_days = "2,4"
    b = billed_site(shop, client)
    shop.advance(33 * DAY)  # declined on July 1st and 3rd
    now = sub_of(client, b["owner"], b["sub"]["id"])
    assert (now["status"], now["next_payment_attempt_at"]) == ("past_due",
                                                                "2025-07-05T00:00:00Z")
    shop.advance(2 * DAY)
    assert sub_of(client, b["owner"], b["sub"]["id"])["status"] == "suspended"
    declined = [(at - RENEWAL).days for at, st in tries(ctx, b["sub"]["id"])
                if st == "declined"]
    assert declined == [0, 2, 4]


@pytest.mark.parametrize("value", ["", "0,1", "3,2", "1,1", "1,x", "1,,3", "400", "-1", "1.5"])
def test_a_retry_schedule_that_cannot_be_is_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="LICENSOR_DUNNING_DAYS"):
        Settings(dunning_days=value)
    assert Settings(dunning_days=" 2, 10 ").dunning == (timedelta(days=2), timedelta(days=10))


# -- a processor that does not answer is not a decline ----------------------------------------

def quiet(shop: Shop, client: TestClient, admin: dict[str, str], b: dict[str, Any]) -> None:
    """Nothing was said to anyone about a payment."""
    assert failure_mails(shop, b["billing_email"]) == []
    assert failure_mails(shop, b["owner_email"]) == []
    assert events(client, admin, "subscription.payment_failed", b["sub"]["id"]) == []


def test_an_outage_at_renewal_changes_nothing_and_the_renewal_waits_for_the_processor(
        shop: Shop, client: TestClient, ctx: Context, admin: dict[str, str]) -> None:
    b = billed_site(shop, client)
    sub_id = b["sub"]["id"]
    assert put_card(client, b["owner"], sub_id, "tok_visa").status_code == 200
    set_mode(client, "down")
    shop.advance(30 * DAY)
    shop.advance(2 * DAY)  # two more job runs: each tries, none reaches the processor
    now = sub_of(client, b["owner"], sub_id)
    assert (now["status"], now["failed_payment_attempts"], now["past_due_since"],
            now["current_period_end"]) == ("active", 0, None, STAMP)
    quiet(shop, client, admin, b)
    assert [s for _, s in tries(ctx, sub_id)][1:] == ["unreachable", "unreachable"]
    r = put_card(client, b["owner"], sub_id, "tok_visa")  # nor can a card be saved
    assert r.status_code == 503 and r.json()["error"]["code"] == "PROCESSOR_UNAVAILABLE"
    set_mode(client, "normal")
    shop.advance(0)  # the next run: renewed as of its renewal date
    now = sub_of(client, b["owner"], sub_id)
    assert (now["status"], now["current_period_start"], now["current_period_end"]) == (
        "active", STAMP, "2025-08-01T00:00:00Z")
    [renewal] = [i for i in shop.invoices(b["owner"], sub_id) if i["reason"] == "renewal"]
    assert renewal["created_at"] == STAMP
    assert len([c for c in charges(client, admin, sub_id) if c["status"] == "succeeded"]) == 2
    quiet(shop, client, admin, b)


def test_a_lost_answer_at_renewal_is_settled_once_the_processor_answers(
        shop: Shop, client: TestClient, ctx: Context, admin: dict[str, str]) -> None:
    b = billed_site(shop, client)
    sub_id = b["sub"]["id"]
    assert put_card(client, b["owner"], sub_id, "tok_visa").status_code == 200
    set_mode(client, "lost_answers")  # the charge is made, its answer lost
    shop.advance(30 * DAY)
    shop.advance(DAY)  # in doubt: not charged again
    now = sub_of(client, b["owner"], sub_id)
    assert (now["status"], now["failed_payment_attempts"], now["current_period_end"]) == (
        "active", 0, STAMP)
    quiet(shop, client, admin, b)
    assert len(charges(client, admin, sub_id)) == 2  # the first month, and the lost one
    set_mode(client, "normal")
    shop.advance(0)
    now = sub_of(client, b["owner"], sub_id)
    assert (now["status"], now["current_period_start"], now["current_period_end"]) == (
        "active", STAMP, "2025-08-01T00:00:00Z")
    live = [c for c in charges(client, admin, sub_id) if c["status"] == "succeeded"]
    assert len(live) == 2  # the lost charge paid the renewal: nothing charged twice
    [renewal] = [i for i in shop.invoices(b["owner"], sub_id) if i["reason"] == "renewal"]
    assert renewal["charge_id"] == live[1]["id"]
    quiet(shop, client, admin, b)


def test_an_outage_during_dunning_keeps_the_schedule(shop: Shop, client: TestClient,
                                                    ctx: Context, admin: dict[str, str]
                                                    ) -> None:
    b = billed_site(shop, client)
    sub_id = b["sub"]["id"]
    shop.advance(30 * DAY)  # declined once
    set_mode(client, "down")
    shop.advance(3 * DAY)  # the day-1 and day-3 retries cannot reach the processor
    now = sub_of(client, b["owner"], sub_id)
    assert (now["status"], now["failed_payment_attempts"], now["next_payment_attempt_at"]) == (
        "past_due", 1, "2025-07-02T00:00:00Z")
    assert len(failure_mails(shop, b["billing_email"])) == 1
    set_mode(client, "normal")
    shop.advance(0)  # the retries due on the 2nd and the 4th are made now, each declined
    now = sub_of(client, b["owner"], sub_id)
    assert (now["status"], now["failed_payment_attempts"], now["next_payment_attempt_at"]) == (
        "past_due", 3, "2025-07-06T00:00:00Z")
    assert len(failure_mails(shop, b["billing_email"])) == 3
    declined = [(at - RENEWAL).days for at, st in tries(ctx, sub_id) if st == "declined"]
    assert declined == [0, 1, 3]


def test_a_google_drive_subscription_is_dunned_too(shop: Shop, client: TestClient,
                                                  ctx: Context) -> None:
    ann, acc = shop.account()
    r = client.post("/v1/subscriptions", headers=ann, json={
        "product": "google-drive", "plan": "single", "interval": "month",
        "card_token": "tok_visa", "google_id": "ann@gmail.test"})
    assert r.status_code == 201, r.text
    sub_id = r.json()["id"]
    assert put_card(client, ann, sub_id, "tok_chargeCustomerFail").status_code == 200
    shop.advance(30 * DAY)
    assert sub_of(client, ann, sub_id)["status"] == "past_due"
    [mail] = failure_mails(shop, acc["email"])  # its buyer is told
    body = " ".join(mail["body"].split())
    assert "Balsamiq for Google Drive (ann@gmail.test)" in body
    assert f"{ctx.settings.public_url}/sites" in body
    # past due, the Google ID is still taken
    other, _ = shop.account()
    r = client.post("/v1/subscriptions", headers=other, json={
        "product": "google-drive", "plan": "single", "interval": "month",
        "card_token": "tok_visa", "google_id": "ann@gmail.test"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "ALREADY_SUBSCRIBED"
    shop.advance(7 * DAY)
    assert sub_of(client, ann, sub_id)["status"] == "view_only"


def test_the_console_shows_a_past_due_subscription(shop: Shop, client: TestClient) -> None:
    b = billed_site(shop, client)
    shop.advance(31 * DAY)
    log_in(client, "support")
    page = client.get(f"/admin/subscriptions/{b['sub']['id']}").text
    assert "since July 1, 2025; 2 declined tries; next try July 4, 2025" in page


def test_licensor_jobs_run_makes_the_tries_and_lists_the_past_due(
        shop: Shop, client: TestClient, cli: Any) -> None:
    b = billed_site(shop, client)
    shop.set_clock(RENEWAL + timedelta(days=3))  # the clock moves; no job has run yet
    assert sub_of(client, b["owner"], b["sub"]["id"])["status"] == "active"
    assert json.loads(cli("jobs", "run", "--json"))["subscriptions"] >= 1
    now = sub_of(client, b["owner"], b["sub"]["id"])  # declined July 1st, 2nd and 4th (now)
    assert (now["status"], now["failed_payment_attempts"], now["next_payment_attempt_at"]) == (
        "past_due", 3, "2025-07-06T00:00:00Z")
    listed = json.loads(cli("subscriptions", "list", "--status", "past_due", "--json"))
    assert [s["id"] for s in listed] == [b["sub"]["id"]]
