"""localstripe (a Stripe stand-in the project did not write, from PyPI) behind a small adapter
that adds the documented Stripe behaviours localstripe lacks, and injects faults between
Licensor and it.

What the adapter adds (each missing from localstripe 1.15):
- Idempotency-Key: the first answer is kept and replayed (5xx included, as Stripe does); the
  same key with other parameters is refused with `idempotency_error`.
- `payment_method_data[card][token]` on PaymentIntents and SetupIntents: Stripe's test tokens
  are turned into their test PaymentMethods (`tok_visa` → `pm_card_visa`); a `pm_…` there is
  refused with `resource_missing`, as Stripe refuses it.
- SetupIntents created with `confirm=true`: created, then confirmed (localstripe confirms only
  through /confirm).
- `description` and `return_url` on PaymentIntents and SetupIntents (localstripe refuses
  them): dropped.
- `GET /v1/payment_intents/search` with `metadata['licensor_key']:'…'`: answered from the
  list of PaymentIntents.
- A charge on Stripe's generic declined test card (`pm_card_visa_chargeDeclined`, card
  4000000000000002) is declined (`card_declined`); localstripe declines it only when attached.
- A refund of a PaymentIntent already refunded in full: `charge_already_refunded`, and
  `GET /v1/refunds?payment_intent=` filtered from the list.

Faults (`fail(path_prefix, fault)`, on POSTs), applied after the request reached localstripe, so money
may have moved: `lose` (the connection is cut without an answer), `500` (an api_error), `hold`
(the answer comes after the client's timeout). A refused connection is an address where
nothing listens (`closed_base`).
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
from aiohttp import ClientSession, web

from tests.core.server import free_port

Pairs = list[tuple[str, str]]
TEST_METHODS = {"tok_visa": "pm_card_visa", "tok_chargeDeclined": "pm_card_visa_chargeDeclined",
                "tok_chargeCustomerFail": "pm_card_chargeCustomerFail"}
AUTH = {"Authorization": "Bearer sk_test_localstripe"}


def _error(status: int, kind: str, message: str, **more: Any) -> web.Response:
    return web.json_response({"error": {"type": kind, "message": message, **more}},
                             status=status)


class LocalStripe:
    """localstripe in a subprocess, and the adapter in a thread of its own; one per session."""

    def __init__(self, log: Path) -> None:
        self.port, self.adapter_port = free_port(), free_port()
        self.upstream = f"http://127.0.0.1:{self.port}"
        self.base = f"http://127.0.0.1:{self.adapter_port}"
        self.closed_base = f"http://127.0.0.1:{free_port()}"  # nothing listens there
        self.hold_seconds = 1.5  # past the processor's timeout in tests (conftest.TIMEOUT)
        self.faults: dict[str, str] = {}
        self.cache: dict[str, tuple[Pairs, tuple[int, bytes]]] = {}
        self.requests: list[tuple[str, str]] = []
        # --from-scratch: localstripe loads no earlier state (it still writes its pickle).
        self.process = subprocess.Popen(
            [sys.executable, "-m", "localstripe", "--port", str(self.port), "--from-scratch"],
            stdout=log.open("wb"), stderr=subprocess.STDOUT)
        self._wait(self.upstream + "/v1/customers")
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        self.ready.wait(10)

    def _wait(self, url: str) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("localstripe exited at start")
            try:
                httpx.get(url, headers=AUTH, timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("localstripe did not start")

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.runner = web.AppRunner(app)
        self.loop.run_until_complete(self.runner.setup())
        self.loop.run_until_complete(web.TCPSite(self.runner, "127.0.0.1",
                                                 self.adapter_port).start())
        self.ready.set()
        self.loop.run_forever()

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.process.terminate()
        self.process.wait(10)

    # -- what tests use -------------------------------------------------------------------

    def reset(self) -> None:
        httpx.delete(self.upstream + "/_config/data", headers=AUTH)
        self.faults.clear()
        self.cache.clear()
        self.requests.clear()

    def fail(self, path_prefix: str, fault: str | None) -> None:
        if fault is None:
            self.faults.pop(path_prefix, None)
        else:
            self.faults[path_prefix] = fault

    def get(self, path: str, **params: Any) -> Any:
        return httpx.get(self.upstream + path, params=params, headers=AUTH).json()

    def payment_intents(self) -> list[dict[str, Any]]:
        """Every PaymentIntent, with its charge (`latest_charge` expanded)."""
        listed = self.get("/v1/payment_intents", limit=100)["data"]
        return [self.get(f"/v1/payment_intents/{pi['id']}", **{"expand[]": "latest_charge"})
                for pi in listed]

    def live_charges(self, **metadata: str) -> int:
        """Succeeded, unrefunded PaymentIntents whose metadata has these values."""
        return sum(1 for pi in self.payment_intents()
                   if pi["status"] == "succeeded" and not pi["latest_charge"]["refunded"]
                   and all(pi["metadata"].get(k) == v for k, v in metadata.items()))

    # -- the adapter ------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = (await request.read()).decode()
        pairs: Pairs = parse_qsl(body, keep_blank_values=True)
        self.requests.append((request.method, request.path))
        key = request.headers.get("Idempotency-Key")
        if request.method == "POST" and key and key in self.cache:
            first, (status, raw) = self.cache[key]
            if sorted(first) != sorted(pairs):
                return _error(400, "idempotency_error", "Keys for idempotent requests can only "
                              "be used with the same parameters they were first used with.")
        else:
            status, raw = await self._route(request, pairs)
            if request.method == "POST" and key:
                self.cache[key] = (pairs, (status, raw))
        fault = next((f for p, f in self.faults.items()  # on writes: reads stay answered
                      if request.method == "POST" and request.path.startswith(p)), None)
        if fault == "lose":
            assert request.transport is not None
            request.transport.abort()  # the answer is lost with the connection
            return web.Response(status=599)
        if fault == "500":
            return _error(500, "api_error", "An unknown error occurred on Stripe's end.")
        if fault == "hold":
            await asyncio.sleep(self.hold_seconds)
        return web.Response(status=status, body=raw, content_type="application/json")

    async def _forward(self, method: str, path: str, pairs: Pairs | None = None,
                       query: str = "") -> tuple[int, bytes]:
        async with ClientSession() as http:
            url = self.upstream + path + (f"?{query}" if query else "")
            async with http.request(method, url, data=urlencode(pairs or []) or None,
                                    headers={**AUTH, "Content-Type":
                                             "application/x-www-form-urlencoded"}) as r:
                return r.status, await r.read()

    async def _route(self, request: web.Request, pairs: Pairs) -> tuple[int, bytes]:
        method, path = request.method, request.path
        if method == "POST" and path in ("/v1/payment_intents", "/v1/setup_intents"):
            pairs, refused = self._card(pairs)
            if refused is not None:
                return refused
            pairs = [(k, v) for k, v in pairs if k not in ("description", "return_url")]
            if path == "/v1/setup_intents":
                return await self._setup(pairs)
            if dict(pairs).get("payment_method") == "pm_card_visa_chargeDeclined":
                return 402, json.dumps({"error": {
                    "type": "card_error", "code": "card_declined",
                    "decline_code": "generic_decline", "message": "Your card was declined."}
                    }).encode()
        if method == "GET" and path == "/v1/payment_intents/search":
            return await self._search(dict(parse_qsl(request.query_string)))
        if method == "POST" and path == "/v1/refunds":
            refused = await self._already_refunded(dict(pairs))
            if refused is not None:
                return refused
        if method == "GET" and path == "/v1/refunds" and "payment_intent" in request.query:
            _status, raw = await self._forward("GET", path, query="limit=100")
            data = [r for r in json.loads(raw)["data"]
                    if r["payment_intent"] == request.query["payment_intent"]]
            return 200, json.dumps({"object": "list", "data": data, "has_more": False}).encode()
        return await self._forward(method, path, pairs, request.query_string)

    @staticmethod
    def _card(pairs: Pairs) -> tuple[Pairs, tuple[int, bytes] | None]:
        form = dict(pairs)
        token = form.get("payment_method_data[card][token]")
        if token is None:
            return pairs, None
        if token not in TEST_METHODS:
            return pairs, (400, json.dumps({"error": {
                "type": "invalid_request_error", "code": "resource_missing",
                "param": "payment_method_data[card][token]",
                "message": f"No such token: '{token}'"}}).encode())
        kept = [(k, v) for k, v in pairs if not k.startswith("payment_method_data")]
        return kept + [("payment_method", TEST_METHODS[token])], None

    async def _setup(self, pairs: Pairs) -> tuple[int, bytes]:
        moved = ("confirm", "payment_method")
        status, raw = await self._forward(
            "POST", "/v1/setup_intents", [(k, v) for k, v in pairs if k not in moved])
        form = dict(pairs)
        if status != 200 or form.get("confirm") != "true":
            return status, raw
        setup = json.loads(raw)
        return await self._forward("POST", f"/v1/setup_intents/{setup['id']}/confirm",
                                   [("payment_method", form["payment_method"])])

    async def _search(self, query: dict[str, str]) -> tuple[int, bytes]:
        found = re.fullmatch(r"metadata\['licensor_key'\]:'(.*)'", query.get("query", ""))
        _status, raw = await self._forward("GET", "/v1/payment_intents", query="limit=100")
        data = []
        for pi in json.loads(raw)["data"]:
            if found and pi["metadata"].get("licensor_key") == found.group(1):
                _s, full = await self._forward("GET", f"/v1/payment_intents/{pi['id']}",
                                               query="expand[]=latest_charge")
                data.append(json.loads(full))
        return 200, json.dumps({"object": "search_result", "url": "/v1/payment_intents/search",
                                "has_more": False, "data": data}).encode()

    async def _already_refunded(self, form: dict[str, str]) -> tuple[int, bytes] | None:
        status, raw = await self._forward("GET", f"/v1/payment_intents/"
                                          f"{form.get('payment_intent', '')}",
                                          query="expand[]=latest_charge")
        charge = json.loads(raw).get("latest_charge") if status == 200 else None
        if isinstance(charge, dict) and charge.get("refunded"):
            return 400, json.dumps({"error": {
                "type": "invalid_request_error", "code": "charge_already_refunded",
                "message": f"Charge {charge['id']} has already been refunded."}}).encode()
        return None
