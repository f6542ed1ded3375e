"""A local stand-in for Stripe's HTTP API, plugged into the `stripe` package as its HTTP client.

It records every request and answers like Stripe for the few endpoints Licensor uses
(customers, setup_intents, payment_intents with search, refunds), keeping their objects and
honouring Idempotency-Key. Test cards, by token:

- `tok_visa`: everything succeeds;
- `tok_chargeDeclined`: refused at setup and at charge (card_error `card_declined`);
- `tok_threeDSecure`: saved fine; every charge waits for the customer (`requires_action`
  with a Stripe-hosted `redirect_to_url`);
- `tok_threeDSecureLater`: charged fine with the customer present; an off-session charge
  waits for the customer as `tok_threeDSecure` does;
- `tok_authenticationRequired`: charged fine with the customer present; an off-session charge
  answers card_error `authentication_required` with the PaymentIntent (what Stripe does).

`confirm(pi)` plays the customer completing 3-D Secure. A PaymentMethod id `pm_card_<name>` is
the test card `tok_<name>`.

It is as strict as Stripe where Licensor could go wrong: a `pm_…` in `card[token]` is refused
(`resource_missing`: Stripe takes only tokens there), and an Idempotency-Key used again with
other parameters is refused (`idempotency_error`). It stays for what localstripe (the
third-party stand-in of tests/payments/test_localstripe.py) does not model: 3-D Secure held
off-session, `authentication_required` with its PaymentIntent, and search.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import stripe

Answer = tuple[str, int, dict[str, str]]


def _form(data: Any) -> dict[str, str]:
    text = data.decode() if isinstance(data, bytes) else data or ""
    return {k: v[-1] for k, v in parse_qs(text).items()}


class StripeStandIn(stripe.HTTPClient):
    name = "stand-in"

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[tuple[str, str, dict[str, str], dict[str, str]]] = []
        self.objects: dict[str, dict[str, Any]] = {}
        self.card_of_pm: dict[str, str] = {}
        self.answered: dict[str, tuple[dict[str, str], Answer]] = {}  # by Idempotency-Key
        self.count = 0

    # -- what tests look at -----------------------------------------------------------------

    def posts(self, path: str) -> list[tuple[dict[str, str], dict[str, str]]]:
        return [(form, headers) for method, url, form, headers in self.requests
                if method == "post" and urlparse(url).path == path]

    def payment_intents(self) -> list[dict[str, Any]]:
        return [o for o in self.objects.values() if o["object"] == "payment_intent"]

    def confirm(self, pi_id: str) -> dict[str, Any]:
        """The customer completed 3-D Secure: the PaymentIntent succeeds."""
        intent = self.objects[pi_id]
        intent.update(status="succeeded", next_action=None, last_payment_error=None,
                      latest_charge=self._charge(intent["amount"]))
        return intent

    # -- the HTTP client interface ----------------------------------------------------------

    def request(self, method: str, url: str, headers: Any, post_data: Any = None,
                **_kw: Any) -> Answer:
        parsed = urlparse(url)
        form = _form(post_data) if method == "post" else _form(parsed.query)
        headers = dict(headers or {})
        self.requests.append((method, url, form, headers))
        key = headers.get("Idempotency-Key")
        if method == "post" and key and key in self.answered:
            first, answer = self.answered[key]
            if first != form:
                return json.dumps({"error": {
                    "type": "idempotency_error", "message": "Keys for idempotent requests "
                    "can only be used with the same parameters they were first used with."}}
                    ), 400, {}
            return answer
        answer = self._route(method, parsed.path, form)
        if method == "post" and key:
            self.answered[key] = (form, answer)
        return answer

    def close(self) -> None:
        pass

    def _route(self, method: str, path: str, form: dict[str, str]) -> Answer:
        if (method, path) == ("post", "/v1/customers"):
            return self._ok(self._new("cus", "customer", email=form.get("email")))
        if (method, path) == ("post", "/v1/setup_intents"):
            return self._setup(form)
        if (method, path) == ("post", "/v1/payment_intents"):
            return self._pay(form)
        if (method, path) == ("get", "/v1/payment_intents/search"):
            return self._search(form)
        if (method, path) == ("post", "/v1/refunds"):
            return self._refund(form)
        return json.dumps({"error": {"type": "invalid_request_error",
                                     "message": f"no {method} {path}"}}), 404, {}

    def _new(self, prefix: str, kind: str, **fields: Any) -> dict[str, Any]:
        self.count += 1
        obj = {"id": f"{prefix}_{self.count}", "object": kind, **fields}
        self.objects[obj["id"]] = obj
        return obj

    @staticmethod
    def _ok(obj: dict[str, Any]) -> Answer:
        return json.dumps(obj), 200, {}

    @staticmethod
    def _card_error(code: str, **more: Any) -> Answer:
        return json.dumps({"error": {"type": "card_error", "code": code,
                                     "message": "Your card was declined.", **more}}), 402, {}

    def _charge(self, amount: int) -> dict[str, Any]:
        return self._new("ch", "charge", amount=amount, amount_refunded=0)

    @staticmethod
    def _token_refused(form: dict[str, str]) -> Answer | None:
        token = form.get("payment_method_data[card][token]", "")
        if token and not token.startswith("tok_"):
            return json.dumps({"error": {
                "type": "invalid_request_error", "code": "resource_missing",
                "param": "payment_method_data[card][token]",
                "message": f"No such token: '{token}'"}}), 400, {}
        return None

    def _card(self, form: dict[str, str]) -> str:
        method = form.get("payment_method", "")
        if method.startswith("pm_card_"):
            return method.removeprefix("pm_card_")
        return (form.get("payment_method_data[card][token]", "").removeprefix("tok_")
                or self.card_of_pm.get(method, "unknown"))

    def _setup(self, form: dict[str, str]) -> Answer:
        refused = self._token_refused(form)
        if refused:
            return refused
        card = self._card(form)
        if card == "chargeDeclined":
            return self._card_error("card_declined")
        pm = self._new("pm", "payment_method", customer=form.get("customer"))
        self.card_of_pm[pm["id"]] = card
        return self._ok(self._new("seti", "setup_intent", status="succeeded",
                                  customer=form.get("customer"), payment_method=pm["id"],
                                  usage=form.get("usage")))

    def _pay(self, form: dict[str, str]) -> Answer:
        refused = self._token_refused(form)
        if refused:
            return refused
        card = self._card(form)
        if card == "chargeDeclined":
            return self._card_error("card_declined")
        metadata = {k[len("metadata["):-1]: v for k, v in form.items()
                    if k.startswith("metadata[")}
        intent = self._new("pi", "payment_intent", amount=int(form["amount"]),
                           currency=form["currency"], customer=form.get("customer"),
                           payment_method=form.get("payment_method"), metadata=metadata,
                           status="succeeded", next_action=None, latest_charge=None)
        intent["client_secret"] = f"{intent['id']}_secret_standin"
        off_session = form.get("off_session") == "true"
        if card == "authenticationRequired" and off_session:
            intent["status"] = "requires_payment_method"
            return self._card_error("authentication_required", payment_intent=intent)
        if card == "threeDSecure" or (card == "threeDSecureLater" and off_session):
            intent.update(status="requires_action", next_action={
                "type": "redirect_to_url",
                "redirect_to_url": {"url": f"https://hooks.stripe.test/3ds/{intent['id']}",
                                    "return_url": None}})
            return self._ok(intent)
        intent["latest_charge"] = self._charge(intent["amount"])
        return self._ok(intent)

    def _search(self, form: dict[str, str]) -> Answer:
        found = re.fullmatch(r"metadata\['licensor_key'\]:'(.*)'", form["query"])
        assert found, form["query"]
        data = [i for i in self.payment_intents()
                if i["metadata"].get("licensor_key") == found.group(1)]
        if "data.latest_charge" not in form.get("expand[0]", ""):
            data = [{**i, "latest_charge": (i["latest_charge"] or {}).get("id")} for i in data]
        return self._ok({"object": "search_result", "url": "/v1/payment_intents/search",
                         "has_more": False, "data": data})

    def _refund(self, form: dict[str, str]) -> Answer:
        intent = self.objects[form["payment_intent"]]
        charge = intent["latest_charge"]
        charge["amount_refunded"] += int(form["amount"])
        return self._ok(self._new("re", "refund", status="succeeded", amount=int(form["amount"]),
                                  payment_intent=intent["id"], charge=charge["id"]))
