"""Stripe: webhook signatures checked as Stripe documents; orders paid by PaymentIntents
through the real app, 3-D Secure completed by the webhook, reconciliation by search.

No network: the webhook's Stripe-Signature is computed here with HMAC-SHA256, and the
processor talks to a local stand-in for Stripe's HTTP API (tests/orders/stripe_standin.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from licensor.core import audit, payments
from licensor.core.context import Context
from licensor.core.money import Money
from licensor.core.payment_models import PaymentAttemptRow
from licensor.core.payments import Charge, PaymentSource, processor_for
from licensor.core.payments_stripe import StripeProcessor
from licensor.core.stripe_webhooks import signature_header, verify_webhook
from tests.conftest import ADMIN
from tests.orders.helpers import buy, error, order, pay, quote
from tests.orders.stripe_standin import StripeStandIn

SECRET = "whsec_test_secret"


def event_payload() -> bytes:
    return json.dumps({"id": "evt_1", "type": "charge.refunded",
                       "data": {"object": {"id": "ch_1"}}}).encode()


def test_webhook_with_valid_signature_is_recorded(ctx: Context, client: TestClient) -> None:
    ctx.settings.stripe_webhook_secret = SECRET
    payload = event_payload()
    now = int(time.time())
    r = client.post("/v1/webhooks/stripe", content=payload,
                    headers={"Stripe-Signature": signature_header(payload, SECRET, now),
                             "Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    assert r.json() == {"received": True, "id": "evt_1", "type": "charge.refunded"}
    with ctx.db.reader() as session:
        assert [e.action for e in audit.entries_for(session, "evt_1")] == [
            "stripe.charge.refunded"]


@pytest.mark.parametrize("case", ["wrong_secret", "tampered", "old", "missing", "garbage"])
def test_webhook_invalid_signature(ctx: Context, client: TestClient, case: str) -> None:
    ctx.settings.stripe_webhook_secret = SECRET
    payload = event_payload()
    now = int(time.time())
    header: str | None = {
        "wrong_secret": signature_header(payload, "whsec_other", now),
        "tampered": signature_header(payload.replace(b"ch_1", b"ch_2"), SECRET, now),
        "old": signature_header(payload, SECRET, now - 3600),
        "missing": None,
        "garbage": "t=abc,v1=zz",
    }[case]
    headers = {"Stripe-Signature": header} if header else {}
    error(client.post("/v1/webhooks/stripe", content=payload, headers=headers),
          400, "WEBHOOK_SIGNATURE_INVALID")


def test_webhook_without_configured_secret(client: TestClient) -> None:
    payload = event_payload()
    error(client.post("/v1/webhooks/stripe", content=payload, headers={
        "Stripe-Signature": signature_header(payload, SECRET, int(time.time()))}),
        400, "WEBHOOK_SIGNATURE_INVALID")


def test_verify_accepts_any_of_several_v1_signatures() -> None:
    payload = event_payload()
    good = signature_header(payload, SECRET, 1_700_000_000)
    header = f"{good},v1={'0' * 64}"
    assert verify_webhook(payload, header, SECRET, 1_700_000_100)["id"] == "evt_1"


@pytest.fixture
def stripe_http(ctx: Context) -> Iterator[StripeStandIn]:
    """The real app taking card payments through StripeProcessor and the stand-in."""
    http = StripeStandIn()
    ctx.settings.stripe_webhook_secret = SECRET
    ctx.payments = StripeProcessor("sk_test_123", http_client=http)
    yield http
    ctx.payments = None


def send_event(client: TestClient, kind: str, obj: dict[str, Any]) -> None:
    """Stripe's webhook, signed, stamped with the business clock's time (the endpoint's)."""
    payload = json.dumps({"id": f"evt_{obj['id']}", "type": kind,
                          "data": {"object": obj}}).encode()
    r = client.post("/v1/webhooks/stripe", content=payload, headers={
        "Stripe-Signature": signature_header(payload, SECRET, int(time.time())),
        "Content-Type": "application/json"})
    assert r.status_code == 200, r.text


def get_order(client: TestClient, order_id: str) -> dict[str, Any]:
    r = client.get(f"/v1/orders/{order_id}", headers=ADMIN)
    assert r.status_code == 200, r.text
    return dict(r.json())


def new_order(client: TestClient) -> dict[str, Any]:
    return order(client, quote(client, kind="new", product="desktop", seats=1)["id"])


def test_an_order_is_a_confirmed_payment_intent_found_by_its_key(
        client: TestClient, stripe_http: StripeStandIn) -> None:
    paid = buy(client, kind="new", product="desktop", seats=2)
    assert paid["status"] == "fulfilled"
    [(form, headers)] = stripe_http.posts("/v1/payment_intents")
    key = f"order:{paid['id']}:pay:1"
    assert headers["Idempotency-Key"] == key
    assert headers["Authorization"] == "Bearer sk_test_123"
    assert form["amount"] == str(paid["total"]["amount"]) and form["confirm"] == "true"
    assert form["currency"] == paid["total"]["currency"].lower()
    assert form["payment_method_data[card][token]"] == "tok_visa"
    assert form["metadata[order_id]"] == paid["id"] and form["metadata[licensor_key]"] == key
    assert "off_session" not in form and "customer" not in form
    assert paid["charge_id"] == stripe_http.payment_intents()[0]["id"]


def test_stripe_processor_refunds_and_finds_a_refunded_charge() -> None:
    http = StripeStandIn()
    processor = StripeProcessor("sk_test_123", http_client=http)
    made = processor.charge(Money(34000, "USD"), PaymentSource(card_token="tok_visa"),
                            description="Order LIC-000001", idempotency_key="order:o1:pay:1",
                            metadata={"order_id": "o1"})
    assert processor.find_charge("order:o1:pay:1") == made
    assert processor.find_charge("order:o1:pay:2") is None
    refund = processor.refund(made.id, made.amount, idempotency_key="order:o1:refund")
    [(form, headers)] = http.posts("/v1/refunds")
    assert form == {"payment_intent": made.id, "amount": "34000"}
    assert headers["Idempotency-Key"] == "order:o1:refund" and refund.charge_id == made.id
    assert processor.find_charge("order:o1:pay:1") == Charge(made.id, made.amount, "refunded")
    # the same key answers the same PaymentIntent, as Stripe does
    again = processor.charge(Money(34000, "USD"), PaymentSource(card_token="tok_visa"),
                             description="Order LIC-000001", idempotency_key="order:o1:pay:1",
                             metadata={"order_id": "o1"})
    assert again.id == made.id and len(http.payment_intents()) == 1


def test_declined_card_answers_card_declined_and_changes_nothing(
        client: TestClient, stripe_http: StripeStandIn) -> None:
    o = new_order(client)
    error(client.post(f"/v1/orders/{o['id']}/pay", json={"card_token": "tok_chargeDeclined"}),
          402, "CARD_DECLINED")
    assert get_order(client, o["id"])["status"] == "awaiting_payment"
    assert stripe_http.payment_intents() == []


def test_3d_secure_at_checkout_then_the_webhook_fulfils_the_order(
        client: TestClient, stripe_http: StripeStandIn) -> None:
    o = new_order(client)
    body = error(client.post(f"/v1/orders/{o['id']}/pay",
                             json={"card_token": "tok_threeDSecure"}),
                 402, "PAYMENT_ACTION_REQUIRED")
    [intent] = stripe_http.payment_intents()
    assert body["details"] == {"payment_intent": intent["id"],
                               "url": f"https://hooks.stripe.test/3ds/{intent['id']}",
                               "client_secret": intent["client_secret"], "return_url": None}
    assert get_order(client, o["id"])["status"] == "awaiting_payment"
    send_event(client, "payment_intent.succeeded", stripe_http.confirm(intent["id"]))
    done = get_order(client, o["id"])
    assert done["status"] == "fulfilled" and done["charge_id"] == intent["id"]
    send_event(client, "payment_intent.succeeded", intent)  # a repeated delivery: no change
    assert stripe_http.posts("/v1/refunds") == []


def test_3d_secure_confirmed_after_paying_with_another_card_is_refunded(
        client: TestClient, stripe_http: StripeStandIn) -> None:
    o = new_order(client)
    client.post(f"/v1/orders/{o['id']}/pay", json={"card_token": "tok_threeDSecure"})
    pay(client, o["id"], "tok_visa")
    held = stripe_http.payment_intents()[0]
    send_event(client, "payment_intent.succeeded", stripe_http.confirm(held["id"]))
    [(form, _h)] = stripe_http.posts("/v1/refunds")
    assert form["payment_intent"] == held["id"]
    assert get_order(client, o["id"])["charge_id"] != held["id"]


class CrashAfterCharge:
    """The process dies right after Stripe took the money, before Licensor recorded it."""

    def __init__(self, real: StripeProcessor) -> None:
        self.real = real

    def charge(self, *args: Any, **kwargs: Any) -> Charge:
        self.real.charge(*args, **kwargs)
        raise RuntimeError("killed")


def test_reconciliation_finds_the_charge_by_its_key_after_a_crash(
        ctx: Context, client: TestClient, stripe_http: StripeStandIn) -> None:
    real = ctx.payments
    o = new_order(client)
    ctx.payments = CrashAfterCharge(real)
    r = client.post(f"/v1/orders/{o['id']}/pay", json={"card_token": "tok_visa"})
    error(r, 503, "PAYMENT_UNCONFIRMED")  # an unknown outcome, never a 500
    ctx.payments = real
    with ctx.db.reader() as session:
        attempt = session.scalar(select(PaymentAttemptRow).where(
            PaymentAttemptRow.subject_id == o["id"]))
        assert attempt is not None and attempt.status == "unconfirmed"
    assert payments.reconcile(ctx, attempt.id) == "succeeded"
    [intent] = stripe_http.payment_intents()
    done = get_order(client, o["id"])
    assert done["status"] == "fulfilled" and done["charge_id"] == intent["id"]
    search = [url for method, url, _f, _h in stripe_http.requests if "search" in url]
    assert len(search) == 1 and "licensor_key" in unquote(search[0])


def test_stripe_is_chosen_when_the_secret_key_is_set(ctx: Context) -> None:
    ctx.settings.stripe_secret_key = "sk_test_abc"
    ctx.payments = None
    try:
        assert isinstance(processor_for(ctx), StripeProcessor)
    finally:
        ctx.payments = None
        ctx.settings.stripe_secret_key = None


def test_webhook_tolerance_is_on_the_wall_clock(ctx: Context, client: TestClient) -> None:
    ctx.settings.stripe_webhook_secret = SECRET
    r = client.put("/v1/sandbox/clock", json={"now": "2031-01-01T00:00:00Z"}, headers=ADMIN)
    assert r.status_code == 200
    payload = event_payload()
    signed_now = client.post("/v1/webhooks/stripe", content=payload, headers={
        "Stripe-Signature": signature_header(payload, SECRET, int(time.time())),
        "Content-Type": "application/json"})
    assert signed_now.status_code == 200, signed_now.text  # real time, whatever the clock
    clock_time = int(datetime(2031, 1, 1).timestamp())
    error(client.post("/v1/webhooks/stripe", content=payload, headers={
        "Stripe-Signature": signature_header(payload, SECRET, clock_time),
        "Content-Type": "application/json"}), 400, "WEBHOOK_SIGNATURE_INVALID")


def test_the_standin_is_as_strict_as_stripe() -> None:
    http = StripeStandIn()
    processor = StripeProcessor("sk_test_123", http_client=http)
    client = processor.client
    with pytest.raises(Exception) as refused:
        client.v1.payment_intents.create(params={
            "amount": 100, "currency": "usd", "confirm": True,
            "payment_method_data": {"type": "card", "card": {"token": "pm_card_visa"}}})
    assert "No such token" in str(refused.value)
    client.v1.payment_intents.create(params={"amount": 100, "currency": "usd"},
                                     options={"idempotency_key": "same"})
    with pytest.raises(Exception) as reused:
        client.v1.payment_intents.create(params={"amount": 200, "currency": "usd"},
                                         options={"idempotency_key": "same"})
    assert "same parameters" in str(reused.value)


@pytest.mark.parametrize("token", ["pm_card_visa", "tok_visa"])
def test_each_kind_of_card_goes_in_its_own_parameter(
        client: TestClient, stripe_http: StripeStandIn, token: str) -> None:
    pay(client, new_order(client)["id"], token=token)
    [(form, _headers)] = stripe_http.posts("/v1/payment_intents")
    if token.startswith("pm_"):
        assert form["payment_method"] == token and "payment_method_data[card][token]" not in form
    else:
        assert form["payment_method_data[card][token]"] == token and "payment_method" not in form
