"""Stripe: webhook signatures checked as Stripe documents; PaymentIntents requests as sent.

No network: the webhook's Stripe-Signature is computed here with HMAC-SHA256, and the
processor talks to a local stand-in for Stripe's HTTP endpoint (the `stripe` package's own
HTTP client interface), which records the requests and answers like Stripe.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qs

import pytest
import stripe
from fastapi.testclient import TestClient

from licensor.domain.errors import LicensorError
from licensor.domain.money import Money
from licensor.services import audit
from licensor.services.context import Context
from licensor.services.payments import processor_for
from licensor.services.payments_stripe import StripeProcessor, signature_header, verify_webhook
from tests.orders.helpers import error

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


class FakeStripeHTTP(stripe.HTTPClient):
    """Answers Stripe's API locally, as Stripe would for these test cards."""

    name = "fake"

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[tuple[str, str, dict[str, list[str]], dict[str, str]]] = []

    def request(self, method: str, url: str, headers: Any, post_data: Any = None,
                **_kw: Any) -> tuple[str, int, dict[str, str]]:
        form = parse_qs(post_data.decode() if isinstance(post_data, bytes) else post_data or "")
        self.requests.append((method, url, form, dict(headers or {})))
        if url.endswith("/v1/payment_intents"):
            token = (form.get("payment_method_data[card][token]") or [""])[0]
            if token == "tok_chargeDeclined":
                return json.dumps({"error": {"type": "card_error", "code": "card_declined",
                                             "message": "Your card was declined."}}), 402, {}
            return json.dumps({"id": "pi_123", "object": "payment_intent",
                               "status": "succeeded", "amount": int(form["amount"][0]),
                               "currency": form["currency"][0]}), 200, {}
        if url.endswith("/v1/refunds"):
            return json.dumps({"id": "re_123", "object": "refund", "status": "succeeded",
                               "payment_intent": form["payment_intent"][0]}), 200, {}
        return json.dumps({"error": {"type": "invalid_request_error"}}), 404, {}

    def close(self) -> None:
        pass


def test_stripe_processor_confirms_a_payment_intent_with_the_card_token() -> None:
    http = FakeStripeHTTP()
    processor = StripeProcessor("sk_test_123", http_client=http)
    charge = processor.charge(Money(34000, "USD"), "tok_visa", description="Order LIC-000001",
                              idempotency_key="ord_1:charge:x")
    assert charge.id == "pi_123" and charge.amount == Money(34000, "USD")
    method, url, form, headers = http.requests[0]
    assert method == "post" and url.endswith("/v1/payment_intents")
    assert form["amount"] == ["34000"] and form["currency"] == ["usd"]
    assert form["confirm"] == ["true"]
    assert form["payment_method_data[card][token]"] == ["tok_visa"]
    assert headers["Idempotency-Key"] == "ord_1:charge:x"
    assert headers["Authorization"] == "Bearer sk_test_123"
    refund = processor.refund("pi_123", Money(34000, "USD"), idempotency_key="ord_1:refund")
    assert refund.id == "re_123"
    _m, url, form, _h = http.requests[1]
    assert url.endswith("/v1/refunds") and form["payment_intent"] == ["pi_123"]


def test_stripe_processor_declined_card() -> None:
    processor = StripeProcessor("sk_test_123", http_client=FakeStripeHTTP())
    with pytest.raises(LicensorError) as exc:
        processor.charge(Money(100, "USD"), "tok_chargeDeclined", description="x",
                         idempotency_key="k")
    assert exc.value.code == "CARD_DECLINED" and exc.value.status == 402


def test_stripe_is_chosen_when_the_secret_key_is_set(ctx: Context) -> None:
    ctx.settings.stripe_secret_key = "sk_test_abc"
    ctx.extras.pop("payments", None)
    try:
        assert isinstance(processor_for(ctx), StripeProcessor)
    finally:
        ctx.extras.pop("payments", None)
        ctx.settings.stripe_secret_key = None
