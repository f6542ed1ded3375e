"""Stripe: a Customer per account with saved cards, PaymentIntents, refunds.

Configured by LICENSOR_STRIPE_SECRET_KEY (see `payments.processor_for`, the only importer of
this module, so the Stripe library is loaded only when it is used) and
LICENSOR_STRIPE_API_BASE (Stripe's own address unless a stand-in or a proxy is named);
webhook signatures (LICENSOR_STRIPE_WEBHOOK_SECRET) are checked in core/stripe_webhooks.py.

What a card field gives is a PaymentMethod id (`pm_…`, from Stripe.js's card element) or a
card token (`tok_…`, older integrations and Stripe's test tokens): a PaymentMethod is passed as
`payment_method`, a token as `payment_method_data[card][token]` (Stripe refuses a `pm_` there).
A card is charged at once (orders) or saved first (subscriptions): a SetupIntent for
off-session use attaches it to the account's Customer, and renewals charge it off-session.

Every PaymentIntent carries Licensor's idempotency key twice: as Stripe's Idempotency-Key (a
repeated call answers the same PaymentIntent) and as `metadata.licensor_key`, so that
reconciliation can find it by search.

Outcomes are never confused: a card error is CARD_DECLINED; a request that cannot have reached
Stripe (connection refused, DNS, connect timeout, rate limit, a refused API key) is
PROCESSOR_UNAVAILABLE; anything after the request may have been received (read timeout, a cut
connection, a 5xx) is PAYMENT_UNCONFIRMED. The Stripe library retries connection errors and
5xx with the same idempotency key; `_Tracked` remembers whether any of those tries may have
been received, so a refused retry after a timeout is still "unconfirmed".

A payment the bank wants the customer to confirm (3-D Secure) answers 402
PAYMENT_ACTION_REQUIRED with the PaymentIntent, its `client_secret` (for Stripe.js's
`handleNextAction`), Stripe's own link when it gives one (else LICENSOR_PAYMENT_ACTION_URL)
and the `return_url` Stripe sends the customer back to. Stripe's `payment_intent.succeeded`
webhook then completes what was paid for (`payments.paid_later`).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx
import stripe

from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.core.payment_processor import (
    Charge,
    PaymentSource,
    Refund,
    SavedCard,
    declined,
    unavailable,
    unconfirmed,
)

T = TypeVar("T")
# Seconds to wait for Stripe's answer to one request (Stripe's library waits 80).
TIMEOUT_SECONDS = 30.0
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol)


class _HTTPX(stripe.HTTPClient):
    """httpx with our timeout, its transport errors chained so `_Tracked` can tell those
    before sending (connect) from those after (read timeout, cut connection)."""

    name = "licensor-httpx"

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.client = httpx.Client(timeout=timeout)

    def request(self, method: str, url: str, headers: Mapping[str, str] | None,
                post_data: Any = None, *, _usage: list[str] | None = None
                ) -> tuple[str, int, Mapping[str, str]]:
        try:
            answer = self.client.request(method, url, headers=dict(headers or {}),
                                         content=post_data)
        except httpx.TransportError as exc:
            raise stripe.APIConnectionError(f"Network error: {type(exc).__name__}",
                                            should_retry=True) from exc
        return answer.text, answer.status_code, answer.headers

    def close(self) -> None:
        self.client.close()


class _Tracked(stripe.HTTPClient):
    """Wraps the HTTP client and remembers, per thread, whether a request of the current call
    may have reached Stripe (it was sent, or Stripe answered 5xx)."""

    name = "licensor-tracked"

    def __init__(self, inner: stripe.HTTPClient) -> None:
        super().__init__()
        self.inner = inner
        self.local = threading.local()

    def request(self, method: str, url: str, headers: Mapping[str, str] | None,
                post_data: Any = None, *, _usage: list[str] | None = None
                ) -> tuple[str, int, Mapping[str, str]]:
        try:
            answer = self.inner.request(method, url, headers, post_data)
        except stripe.APIConnectionError as exc:
            if not isinstance(exc.__cause__, _NOT_SENT):
                self.local.sent = True
            raise
        if answer[1] >= 500:
            self.local.sent = True
        return answer

    def close(self) -> None:
        self.inner.close()


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


def _card_country(intent: Any) -> str | None:
    """The card's issuing country from the PaymentIntent's (expanded) latest charge."""
    country = _field(intent, "latest_charge", "payment_method_details", "card", "country")
    return country.upper() if isinstance(country, str) and country else None


def card_params(card_token: str) -> dict[str, Any]:
    """The PaymentIntent/SetupIntent parameters for what a card field gave."""
    if card_token.startswith("pm_"):
        return {"payment_method": card_token}
    return {"payment_method_data": {"type": "card", "card": {"token": card_token}}}


class StripeProcessor:
    def __init__(self, secret_key: str, *, http_client: Any = None,
                 action_url: str | None = None, api_base: str | None = None,
                 return_url: str | None = None, timeout: float = TIMEOUT_SECONDS) -> None:
        inner = http_client or _HTTPX(timeout)
        self.http = _Tracked(inner)
        options: dict[str, Any] = {}
        if api_base:
            options["base_addresses"] = {"api": api_base.rstrip("/")}
        self.client = stripe.StripeClient(secret_key, http_client=self.http,
                                          max_network_retries=2, **options)
        # The vendor's page where a customer confirms a held payment with Stripe.js;
        # "{payment_intent}" in it is replaced by the PaymentIntent's id.
        self.action_url = action_url
        self.return_url = return_url

    def _call(self, fn: Callable[[], T], *, what: str = "payment") -> T:
        """fn(), its failures but card errors turned into the two outcomes without an answer."""
        self.http.local.sent = False
        try:
            return fn()
        except stripe.CardError:
            raise
        except (stripe.APIConnectionError, stripe.APIError) as exc:
            if isinstance(exc, stripe.APIConnectionError) and not self.http.local.sent:
                raise unavailable(type(exc.__cause__ or exc).__name__,
                                  done="charged" if what == "payment" else "refunded") from None
            raise unconfirmed(exc.code or type(exc).__name__, what=what) from None
        except (stripe.RateLimitError, stripe.AuthenticationError,
                stripe.PermissionError) as exc:  # refused before anything was done
            raise unavailable(exc.code or type(exc).__name__,
                              done="charged" if what == "payment" else "refunded") from None
        except stripe.IdempotencyError as exc:  # ours to fix; the first request may stand
            raise unconfirmed(exc.code or "idempotency_error", what=what) from None

    # -- Customers and saved cards ------------------------------------------------------------

    def create_customer(self, email: str, *, idempotency_key: str) -> str:
        """The Customer of one account (the key names the account: one Customer each)."""
        return self._call(lambda: self.client.v1.customers.create(
            params={"email": email}, options={"idempotency_key": idempotency_key}).id,
            what="card")

    def save_card(self, card_token: str, *, customer_id: str | None, email: str) -> SavedCard:
        """Attach the card to the buyer's Customer for off-session use."""
        if customer_id is None:
            digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
            customer_id = self.create_customer(email, idempotency_key=f"licensor:customer:"
                                               f"email:{digest}")
        customer = customer_id
        params: dict[str, Any] = {
            "customer": customer, "confirm": True, "usage": "off_session",
            "payment_method_types": ["card"], **card_params(card_token),
        }
        if self.return_url:
            params["return_url"] = self.return_url
        try:
            setup = self._call(lambda: self.client.v1.setup_intents.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": f"licensor:setup:{customer}:{card_token}"}),
                what="card")
        except stripe.CardError:
            raise declined(card_token) from None
        except stripe.InvalidRequestError as exc:  # e.g. no such token: another card
            raise declined(card_token, reason=exc.code) from None
        except LicensorError as exc:  # nothing charged either way: try again
            if exc.code == "PAYMENT_UNCONFIRMED":
                raise unavailable(exc.details.get("reason", ""), done="charged") from None
            raise
        if setup.status == "requires_action":
            raise self._action_required(setup, "setup_intent")
        method = _id(_field(setup, "payment_method"))
        if setup.status != "succeeded" or method is None:
            raise declined(card_token)
        return SavedCard(customer, method)

    # -- charges ------------------------------------------------------------------------------

    def charge(self, amount: Money, source: PaymentSource, *, description: str,
               idempotency_key: str, metadata: dict[str, str]) -> Charge:
        params: dict[str, Any] = {
            "amount": amount.amount, "currency": amount.currency.lower(),
            "description": description, "confirm": True, "payment_method_types": ["card"],
            "metadata": {**metadata, "licensor_key": idempotency_key},
            "expand": ["latest_charge"],  # for the card's country (tax evidence)
        }
        if source.saved is not None:
            params["customer"] = source.saved.customer_id
            params["payment_method"] = source.saved.payment_method_id
            if source.off_session:
                params["off_session"] = True
        else:
            params.update(card_params(source.card_token or ""))
        if self.return_url and not source.off_session:
            params["return_url"] = self.return_url
        try:
            intent = self._call(lambda: self.client.v1.payment_intents.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key}))
        except stripe.CardError as exc:
            held = getattr(exc.error, "payment_intent", None)
            if exc.code == "authentication_required" and held is not None:
                raise self._action_required(held, "payment_intent") from None
            raise declined(source.label, reason=exc.code) from None
        except stripe.InvalidRequestError as exc:  # e.g. no such token or PaymentMethod
            raise declined(source.label, reason=exc.code) from None
        if intent.status == "requires_action":
            raise self._action_required(intent, "payment_intent")
        if intent.status != "succeeded":
            raise declined(source.label, reason=intent.status)
        return Charge(intent.id, amount, card_country=_card_country(intent))

    def _action_required(self, intent: Any, kind: str) -> LicensorError:
        """The bank holds the payment until the customer confirms it (3-D Secure)."""
        url = _field(intent, "next_action", "redirect_to_url", "url")
        if url is None and self.action_url:
            url = self.action_url.replace("{payment_intent}", intent["id"])
        return LicensorError("PAYMENT_ACTION_REQUIRED", "The card's bank asks the customer to "
                             "confirm this payment (3-D Secure); nothing is charged until they "
                             "do at details.url, or pay with another card.",
                             {kind: intent["id"], "url": url,
                              "client_secret": _field(intent, "client_secret"),
                              "return_url": self.return_url})

    def find_charge(self, idempotency_key: str) -> Charge | None:
        """The succeeded PaymentIntent made with this key, found by its metadata."""
        query = "metadata['licensor_key']:'{}'".format(idempotency_key.replace("'", "\\'"))
        found = self._call(lambda: self.client.v1.payment_intents.search(params={
            "query": query, "expand": ["data.latest_charge"]}))
        for intent in found.data:
            if intent.status != "succeeded":
                continue
            amount = Money(intent.amount, intent.currency.upper())
            refunded = (_field(intent, "latest_charge", "amount_refunded") or 0) >= intent.amount
            return Charge(intent.id, amount, "refunded" if refunded else "succeeded",
                          _card_country(intent))
        return None

    def refund(self, charge_id: str, amount: Money, *, idempotency_key: str) -> Refund:
        try:
            refund = self._call(lambda: self.client.v1.refunds.create(
                params={"payment_intent": charge_id, "amount": amount.amount},
                options={"idempotency_key": idempotency_key}), what="refund")
        except stripe.InvalidRequestError as exc:
            if exc.code == "charge_already_refunded":  # refunded in Stripe's dashboard
                return Refund(self._earlier_refund(charge_id), charge_id, amount)
            raise LicensorError("PAYMENT_FAILED", "Stripe refused this refund "
                                f"({exc.code or 'invalid request'}); nothing was refunded. "
                                "Check the payment in the Stripe dashboard.",
                                {"charge_id": charge_id, "reason": exc.code}, status=409
                                ) from None
        return Refund(refund.id, charge_id, amount)

    def _earlier_refund(self, charge_id: str) -> str:
        found = self._call(lambda: self.client.v1.refunds.list(
            params={"payment_intent": charge_id, "limit": 1}), what="refund")
        return found.data[0].id if found.data else f"refunded:{charge_id}"
