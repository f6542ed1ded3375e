"""Subscriptions paid through Stripe (the real app, StripeProcessor, the local stand-in): a
Customer and a saved PaymentMethod, off-session renewals, declines, and renewals the bank holds
for the owner's confirmation (3-D Secure) — mailed, kept active for a grace period, completed
by the webhook or ended."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, text

from licensor.core.context import Context
from licensor.core.payment_models import PaymentAttemptRow
from licensor.core.payments_stripe import StripeProcessor
from licensor.subscriptions.models import SubscriptionRow
from tests.orders.stripe_standin import StripeStandIn
from tests.orders.test_stripe import SECRET, send_event
from tests.subscriptions.conftest import Shop

DAY = 86400
MONTH = 30 * DAY + 60  # from 1 June: just past the first renewal, 1 July
ACTION_URL = "https://shop.example.test/confirm?pi={payment_intent}"


@pytest.fixture
def stripe_http(ctx: Context) -> Iterator[StripeStandIn]:
    http = StripeStandIn()
    ctx.settings.stripe_webhook_secret = SECRET
    ctx.payments = StripeProcessor("sk_test_123", http_client=http,
                                             action_url=ACTION_URL)
    yield http
    ctx.payments = None


def get_sub(client: TestClient, who: dict[str, str], sub_id: str) -> dict[str, Any]:
    r = client.get(f"/v1/subscriptions/{sub_id}", headers=who)
    assert r.status_code == 200, r.text
    return dict(r.json())


def subscribed(shop: Shop, card: str) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
    owner, acc = shop.account()
    site = shop.site(owner)
    return owner, acc, shop.subscribe(owner, site["id"], plan="small", card=card)


def test_subscribing_saves_the_card_at_a_customer_and_keeps_only_its_ids(
        ctx: Context, shop: Shop, stripe_http: StripeStandIn) -> None:
    _owner, acc, sub = subscribed(shop, "tok_visa")
    [(customer, _h)] = stripe_http.posts("/v1/customers")
    assert customer == {"email": acc["email"]}
    [(setup, _h)] = stripe_http.posts("/v1/setup_intents")
    assert setup["customer"].startswith("cus_") and setup["usage"] == "off_session"
    assert setup["confirm"] == "true" and setup["payment_method_data[card][token]"] == "tok_visa"
    [(charge, headers)] = stripe_http.posts("/v1/payment_intents")
    assert charge["customer"] == setup["customer"] and charge["payment_method"].startswith("pm_")
    assert "off_session" not in charge and "payment_method_data[card][token]" not in charge
    assert charge["metadata[licensor_key]"] == headers["Idempotency-Key"] \
        == f"subscription:{sub['id']}:invoice:1:1"
    with ctx.db.reader() as session:
        row = session.get(SubscriptionRow, sub["id"])
        assert row is not None
        assert (row.customer_id, row.payment_method_id) == (setup["customer"],
                                                            charge["payment_method"])
        for table in inspect(session.bind).get_table_names():  # no card token anywhere
            for values in session.execute(text(f'SELECT * FROM "{table}"')):
                assert "tok_visa" not in repr(tuple(values)), table


def test_renewal_is_an_off_session_payment_intent_with_the_derived_key(
        shop: Shop, client: TestClient, stripe_http: StripeStandIn) -> None:
    owner, _acc, sub = subscribed(shop, "tok_visa")
    first = stripe_http.posts("/v1/payment_intents")[0][0]
    shop.advance(MONTH)
    renewal, headers = stripe_http.posts("/v1/payment_intents")[1]
    key = f"subscription:{sub['id']}:invoice:2:2"  # invoice 2, the 2nd payment attempt
    assert headers["Idempotency-Key"] == key and renewal["off_session"] == "true"
    assert (renewal["customer"], renewal["payment_method"]) == (first["customer"],
                                                                first["payment_method"])
    assert renewal["metadata[subscription_id]"] == sub["id"]
    assert renewal["metadata[invoice_number]"] == "2"
    assert renewal["metadata[licensor_key]"] == key
    invoices = shop.invoices(owner, sub["id"])
    assert invoices[-1]["reason"] == "renewal"
    assert invoices[-1]["charge_id"] == stripe_http.payment_intents()[1]["id"]
    assert get_sub(client, owner, sub["id"])["current_period_end"].startswith("2025-08-01")


def test_a_card_declined_at_setup_changes_nothing(
        shop: Shop, client: TestClient, stripe_http: StripeStandIn) -> None:
    owner, _acc = shop.account()
    site = shop.site(owner)
    r = client.post("/v1/subscriptions", headers=owner, json={
        "plan": "small", "interval": "month", "card_token": "tok_chargeDeclined",
        "site_id": site["id"]})
    assert r.status_code == 402 and r.json()["error"]["code"] == "CARD_DECLINED"
    assert get_sub(client, owner, site["subscription"]["id"])["status"] == "trialing"
    assert stripe_http.payment_intents() == []
    assert shop.invoices(owner, site["subscription"]["id"]) == []


def held_mail(shop: Shop, email: str) -> dict[str, Any]:
    [mail] = [m for m in shop.outbox(email) if "confirm" in m["subject"]]
    return mail


def test_renewal_held_for_3d_secure_is_mailed_kept_active_and_renewed_by_the_webhook(
        shop: Shop, client: TestClient, stripe_http: StripeStandIn) -> None:
    owner, acc, sub = subscribed(shop, "tok_threeDSecureLater")
    shop.advance(MONTH)
    held = stripe_http.payment_intents()[1]
    assert held["status"] == "requires_action"
    assert f"https://hooks.stripe.test/3ds/{held['id']}" in held_mail(shop, acc["email"])["body"]
    shop.advance(3 * DAY)  # within the grace: active, not renewed, not charged again
    now = get_sub(client, owner, sub["id"])
    assert now["status"] == "active" and now["current_period_end"].startswith("2025-07-01")
    assert len(stripe_http.payment_intents()) == 2
    assert [i["reason"] for i in shop.invoices(owner, sub["id"])] == ["subscription_create"]
    r = client.post(f"/v1/subscriptions/{sub['id']}/change", headers=owner,
                    json={"plan": "medium"})
    assert r.status_code == 409, r.text
    assert r.json()["error"]["details"] == {"status": "awaiting_confirmation"}

    send_event(client, "payment_intent.succeeded", stripe_http.confirm(held["id"]))
    renewed = get_sub(client, owner, sub["id"])
    assert renewed["status"] == "active"
    assert renewed["current_period_end"].startswith("2025-08-01")
    last = shop.invoices(owner, sub["id"])[-1]
    assert last["reason"] == "renewal" and last["charge_id"] == held["id"]
    assert last["created_at"].startswith("2025-07-01")  # as of when it fell due
    assert any("renewed" in m["subject"] for m in shop.outbox(acc["email"]))
    shop.advance(7 * DAY)  # the grace no longer applies
    assert get_sub(client, owner, sub["id"])["status"] == "active"
    assert stripe_http.posts("/v1/refunds") == []


def test_unconfirmed_renewal_ends_after_the_grace_and_a_late_confirmation_is_refunded(
        ctx: Context, shop: Shop, client: TestClient, stripe_http: StripeStandIn) -> None:
    owner, acc, sub = subscribed(shop, "tok_authenticationRequired")
    shop.advance(MONTH)
    held = stripe_http.payment_intents()[1]
    body = held_mail(shop, acc["email"])["body"]
    assert f"https://shop.example.test/confirm?pi={held['id']}" in body
    assert "until July 8, 2025" in " ".join(body.split())  # the grace's end, as mails write dates
    shop.advance(6 * DAY)
    assert get_sub(client, owner, sub["id"])["status"] == "active"
    shop.advance(DAY)
    ended = get_sub(client, owner, sub["id"])
    assert ended["status"] == "suspended"
    assert any("ended" in m["subject"] for m in shop.outbox(acc["email"]))
    assert len(stripe_http.payment_intents()) == 2  # never charged again

    send_event(client, "payment_intent.succeeded", stripe_http.confirm(held["id"]))
    [(refund, _h)] = stripe_http.posts("/v1/refunds")
    assert refund["payment_intent"] == held["id"]
    assert get_sub(client, owner, sub["id"])["status"] == "suspended"
    assert len(shop.invoices(owner, sub["id"])) == 1
    with ctx.db.reader() as session:
        statuses = session.scalars(select(PaymentAttemptRow.status).where(
            PaymentAttemptRow.subject_id == sub["id"]).order_by(
            PaymentAttemptRow.created_at)).all()
    assert list(statuses) == ["succeeded", "refunded"]


# -- dunning through Stripe -----------------------------------------------------------------

def test_a_declined_renewal_is_past_due_and_the_card_element_s_payment_method_pays_it(
        ctx: Context, shop: Shop, client: TestClient, stripe_http: StripeStandIn) -> None:
    owner, _acc, sub = subscribed(shop, "tok_visa")
    with ctx.db.transaction() as session:  # the bank now refuses the saved card
        row = session.get(SubscriptionRow, sub["id"])
        assert row is not None
        row.payment_method_id = "pm_card_chargeDeclined"
    shop.advance(MONTH)
    now = get_sub(client, owner, sub["id"])
    assert (now["status"], now["failed_payment_attempts"]) == ("past_due", 1)
    r = client.put(f"/v1/subscriptions/{sub['id']}/card", headers=owner,
                   json={"card_token": "tok_chargeDeclined"})  # refused when saving
    assert r.status_code == 402 and r.json()["error"]["code"] == "CARD_DECLINED"
    # what Stripe's card element sends: a PaymentMethod id, saved to the Customer
    r = client.put(f"/v1/subscriptions/{sub['id']}/card", headers=owner,
                   json={"card_token": "pm_card_visa"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["current_period_start"]) == ("active",
                                                                      "2025-07-01T00:00:00Z")
    paid = stripe_http.payment_intents()[-1]
    assert paid["status"] == "succeeded" and paid["customer"] == \
        stripe_http.payment_intents()[0]["customer"]
    last = shop.invoices(owner, sub["id"])[-1]
    assert last["reason"] == "renewal" and last["charge_id"] == paid["id"]
    live = [p for p in stripe_http.payment_intents() if p["status"] == "succeeded"]
    assert len(live) == 2  # the first month and the renewal


def test_a_card_update_during_the_3d_secure_grace_pays_and_the_late_confirmation_is_refunded(
        shop: Shop, client: TestClient, stripe_http: StripeStandIn) -> None:
    owner, _acc, sub = subscribed(shop, "tok_threeDSecureLater")
    shop.advance(MONTH)
    held = stripe_http.payment_intents()[1]
    assert held["status"] == "requires_action"
    r = client.put(f"/v1/subscriptions/{sub['id']}/card", headers=owner,
                   json={"card_token": "tok_visa"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["current_period_end"]) == ("active",
                                                                    "2025-08-01T00:00:00Z")
    send_event(client, "payment_intent.succeeded", stripe_http.confirm(held["id"]))
    [(refund, _h)] = stripe_http.posts("/v1/refunds")  # the renewal was paid already
    assert refund["payment_intent"] == held["id"]
    assert [i["reason"] for i in shop.invoices(owner, sub["id"])] == [
        "subscription_create", "renewal"]


def test_a_past_due_renewal_held_by_the_bank_is_paid_when_the_customer_confirms(
        ctx: Context, shop: Shop, client: TestClient, stripe_http: StripeStandIn) -> None:
    owner, _acc, sub = subscribed(shop, "tok_visa")
    with ctx.db.transaction() as session:  # the bank now refuses the saved card
        row = session.get(SubscriptionRow, sub["id"])
        assert row is not None
        row.payment_method_id = "pm_card_chargeDeclined"
    shop.advance(MONTH)
    r = client.put(f"/v1/subscriptions/{sub['id']}/card", headers=owner,
                   json={"card_token": "tok_threeDSecure"})
    assert r.status_code == 402 and r.json()["error"]["code"] == "PAYMENT_ACTION_REQUIRED"
    held = stripe_http.payment_intents()[-1]
    assert r.json()["error"]["details"]["client_secret"] == held["client_secret"]
    assert get_sub(client, owner, sub["id"])["status"] == "past_due"
    send_event(client, "payment_intent.succeeded", stripe_http.confirm(held["id"]))
    now = get_sub(client, owner, sub["id"])
    assert (now["status"], now["current_period_start"], now["failed_payment_attempts"]) == (
        "active", "2025-07-01T00:00:00Z", 0)
    last = shop.invoices(owner, sub["id"])[-1]
    assert last["reason"] == "renewal" and last["charge_id"] == held["id"]
    assert stripe_http.posts("/v1/refunds") == []
