"""Stripe: a Customer per buyer with saved cards, PaymentIntents, refunds.

Configured by LICENSOR_STRIPE_SECRET_KEY (see `payments.processor_for`, the only importer of
this module, so the Stripe library is loaded only when it is used); webhook signatures
(LICENSOR_STRIPE_WEBHOOK_SECRET) are checked in core/stripe_webhooks.py.

A card token from Stripe.js/Elements (`tok_...`) is either charged at once (orders) or saved
first (subscriptions): a SetupIntent for off-session use attaches it to the buyer's Customer as
a PaymentMethod, and renewals charge that PaymentMethod off-session. No card token is kept.

Every PaymentIntent carries Licensor's idempotency key twice: as Stripe's Idempotency-Key (a
repeated call answers the same PaymentIntent) and as `metadata.licensor_key`, so that
reconciliation can find it by search after a crash.

A payment the bank wants the customer to confirm (3-D Secure) is not a success: it answers
402 PAYMENT_ACTION_REQUIRED with the PaymentIntent and the link where the customer confirms it
(Stripe's own page when Stripe gives one, else LICENSOR_PAYMENT_ACTION_URL). When they do,
Stripe's `payment_intent.succeeded` webhook completes what was paid for (`payments.complete`).
"""

from __future__ import annotations

from typing import Any

import stripe

from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.core.payment_processor import Charge, PaymentSource, Refund, SavedCard, declined


def _failed(exc: stripe.StripeError) -> LicensorError:
    return LicensorError("PAYMENT_FAILED", "The payment could not be made and nothing was "
                         "charged; try again in a moment or use another card.",
                         {"reason": exc.code or type(exc).__name__})


def _field(obj: Any, *path: str) -> Any:
    """obj[path[0]][path[1]]..., or None where a field is absent or null."""
    for name in path:
        if obj is None or isinstance(obj, str) or name not in obj:
            return None
        obj = obj[name]
    return obj


def _id(value: Any) -> str | None:
    """An id from a field Stripe answers either as an id or as the expanded object."""
    return value if value is None or isinstance(value, str) else _field(value, "id")


class StripeProcessor:
    def __init__(self, secret_key: str, *, http_client: Any = None,
                 action_url: str | None = None) -> None:
        self.client = stripe.StripeClient(secret_key, http_client=http_client,
                                          max_network_retries=2)
        # The vendor's page where a customer confirms a held payment with Stripe.js;
        # "{payment_intent}" in it is replaced by the PaymentIntent's id.
        self.action_url = action_url

    # -- saved cards --------------------------------------------------------------------------

    def save_card(self, card_token: str, *, customer_id: str | None, email: str) -> SavedCard:
        """Attach the card to the buyer's Customer (created on first use) for off-session use."""
        try:
            if customer_id is None:
                customer_id = self.client.v1.customers.create(
                    params={"email": email},
                    options={"idempotency_key": f"licensor:customer:{card_token}"}).id
            params: dict[str, Any] = {
                "customer": customer_id, "confirm": True, "usage": "off_session",
                "payment_method_types": ["card"],
            }
            if card_token.startswith("pm_"):
                params["payment_method"] = card_token
            else:
                params["payment_method_data"] = {"type": "card", "card": {"token": card_token}}
            setup = self.client.v1.setup_intents.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": f"licensor:setup:{customer_id}:{card_token}"})
        except stripe.CardError:
            raise declined(card_token) from None
        except stripe.StripeError as exc:
            raise _failed(exc) from None
        if setup.status == "requires_action":
            raise self._action_required(setup, "setup_intent")
        method = _id(_field(setup, "payment_method"))
        if setup.status != "succeeded" or method is None:
            raise declined(card_token)
        return SavedCard(customer_id, method)

    # -- charges ------------------------------------------------------------------------------

    def charge(self, amount: Money, source: PaymentSource, *, description: str,
               idempotency_key: str, metadata: dict[str, str]) -> Charge:
        params: dict[str, Any] = {
            "amount": amount.amount, "currency": amount.currency.lower(),
            "description": description, "confirm": True, "payment_method_types": ["card"],
            "metadata": {**metadata, "licensor_key": idempotency_key},
        }
        if source.saved is not None:
            params["customer"] = source.saved.customer_id
            params["payment_method"] = source.saved.payment_method_id
            if source.off_session:
                params["off_session"] = True
        else:
            params["payment_method_data"] = {"type": "card",
                                             "card": {"token": source.card_token or ""}}
        try:
            intent = self.client.v1.payment_intents.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key})
        except stripe.CardError as exc:
            held = getattr(exc.error, "payment_intent", None)
            if exc.code == "authentication_required" and held is not None:
                raise self._action_required(held, "payment_intent") from None
            raise declined(source.label) from None
        except stripe.StripeError as exc:
            raise _failed(exc) from None
        if intent.status == "requires_action":
            raise self._action_required(intent, "payment_intent")
        if intent.status != "succeeded":
            raise LicensorError("PAYMENT_FAILED", "The payment was not completed and nothing "
                                "was charged; try again or use another card.",
                                {"reason": intent.status, "payment_intent": intent.id})
        return Charge(intent.id, amount)

    def _action_required(self, intent: Any, kind: str) -> LicensorError:
        """The bank holds the payment until the customer confirms it (3-D Secure)."""
        url = _field(intent, "next_action", "redirect_to_url", "url")
        if url is None and self.action_url:
            url = self.action_url.replace("{payment_intent}", intent["id"])
        return LicensorError("PAYMENT_ACTION_REQUIRED", "The card's bank asks the customer to "
                             "confirm this payment (3-D Secure); nothing is charged until they "
                             "do at details.url, or pay with another card.",
                             {kind: intent["id"], "url": url})

    def find_charge(self, idempotency_key: str) -> Charge | None:
        """The succeeded PaymentIntent made with this key, found by its metadata."""
        found = self.client.v1.payment_intents.search(params={
            "query": "metadata['licensor_key']:'{}'".format(idempotency_key.replace("'", "\\'")),
            "expand": ["data.latest_charge"]})
        for intent in found.data:
            if intent.status != "succeeded":
                continue
            amount = Money(intent.amount, intent.currency.upper())
            refunded = (_field(intent, "latest_charge", "amount_refunded") or 0) >= intent.amount
            return Charge(intent.id, amount, "refunded" if refunded else "succeeded")
        return None

    def refund(self, charge_id: str, amount: Money, *, idempotency_key: str) -> Refund:
        refund = self.client.v1.refunds.create(
            params={"payment_intent": charge_id, "amount": amount.amount},
            options={"idempotency_key": idempotency_key})
        return Refund(refund.id, charge_id, amount)
