"""Stripe's webhook signatures (Stripe-Signature: t=...,v1=...), checked without the Stripe
library, so a server that takes no payments through Stripe never imports it."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from licensor.core.errors import LicensorError

WEBHOOK_TOLERANCE_SECONDS = 300


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
