"""Stripe: card payments through PaymentIntents, refunds, and webhook signature checks.

Configured by LICENSOR_STRIPE_SECRET_KEY (see `payments.processor_for`) and, for webhooks,
LICENSOR_STRIPE_WEBHOOK_SECRET. A card token from Stripe.js/Elements (`tok_...`) or a
PaymentMethod id (`pm_...`) is confirmed at once; a payment that would need the customer's
further action (3-D Secure) is refused with PAYMENT_FAILED so nothing is fulfilled unpaid.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import stripe

from licensor.domain.errors import LicensorError
from licensor.domain.money import Money
from licensor.services.payments import Charge, Refund, declined

WEBHOOK_TOLERANCE_SECONDS = 300


class StripeProcessor:
    def __init__(self, secret_key: str, *, http_client: Any = None) -> None:
        self.client = stripe.StripeClient(secret_key, http_client=http_client,
                                          max_network_retries=2)

    def charge(self, amount: Money, card_token: str, *, description: str,
               idempotency_key: str) -> Charge:
        params: dict[str, Any] = {
            "amount": amount.amount, "currency": amount.currency.lower(),
            "description": description, "confirm": True,
            "payment_method_types": ["card"],
        }
        if card_token.startswith("pm_"):
            params["payment_method"] = card_token
        else:
            params["payment_method_data"] = {"type": "card", "card": {"token": card_token}}
        try:
            intent = self.client.v1.payment_intents.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key})
        except stripe.CardError:
            raise declined(card_token) from None
        except stripe.StripeError as exc:
            raise LicensorError("PAYMENT_FAILED", "The payment could not be made and nothing "
                                "was charged; try again in a moment or use another card.",
                                {"reason": exc.code or type(exc).__name__}) from None
        if intent.status != "succeeded":
            raise LicensorError("PAYMENT_FAILED", "The card needs a further confirmation that "
                                "this checkout cannot do; nothing was charged. Try another card.",
                                {"reason": intent.status, "payment_intent": intent.id})
        return Charge(intent.id, amount, card_token)

    def refund(self, charge_id: str, amount: Money, *, idempotency_key: str) -> Refund:
        refund = self.client.v1.refunds.create(
            params={"payment_intent": charge_id, "amount": amount.amount},
            options={"idempotency_key": idempotency_key})
        return Refund(refund.id, charge_id, amount)


def signature_header(payload: bytes, secret: str, timestamp: int) -> str:
    """The Stripe-Signature header Stripe would send (for tests and local tools)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_webhook(payload: bytes, header: str | None, secret: str | None,
                   now: int) -> dict[str, Any]:
    """The event, if `header` signs `payload` with `secret` within 5 minutes of `now`.

    As Stripe documents: signed_payload = "<t>.<body>", HMAC-SHA256 with the endpoint secret,
    compared in constant time with every v1 signature of the header.
    """
    def invalid(why: str) -> LicensorError:
        return LicensorError("WEBHOOK_SIGNATURE_INVALID", f"The Stripe-Signature header does "
                             f"not verify: {why}. Check LICENSOR_STRIPE_WEBHOOK_SECRET against "
                             "the endpoint's signing secret in the Stripe dashboard.",
                             {"reason": why})

    if not secret:
        raise invalid("no webhook secret is configured")
    if not header:
        raise invalid("the header is missing")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts.get("t", [""])[0])
    except ValueError:
        raise invalid("no timestamp") from None
    if abs(now - timestamp) > WEBHOOK_TOLERANCE_SECONDS:
        raise invalid("the timestamp is too old or in the future")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload,
                        hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, sig) for sig in parts.get("v1", [])):
        raise invalid("no matching v1 signature")
    try:
        event = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise invalid("the body is not JSON") from None
    if not isinstance(event, dict):
        raise invalid("the body is not an event object")
    return event
