"""`POST /v1/licenses/validate` answered before the rest of the application.

Every launch of a vendor's app validates its License Information, so this one request skips
the middleware stack, routing and dependency injection that it does not need. The application
(app.py) hands it every request for the path before its own stack runs; the two checks of that
stack that apply to it are made here, in the stack's order: the body limit (a request without a
Content-Length, or over the limit, is handed to the stack untouched, which refuses or reads it
as for any route), then the rate limit (counted once: the request is marked so that the stack's
rate limiter does not count it again, core/web/rate_limit.py).

It answers only a well-formed request: JSON content type, a body that `LicenseInformation`
accepts, no Idempotency-Key header. Anything else is handed, body and all, to the regular
FastAPI route in licenses/endpoints.py, so every refusal is the one the API has always given;
so is a validation that raises (the route tries again, and answers, or fails with the API's
500). The answer is signed here too (core/signed_answers.py: ~20 µs of Ed25519).
"""

from __future__ import annotations

import json
import logging

from starlette.types import ASGIApp, Receive, Scope, Send

from licensor.core.signed_answers import HEADER_NAME, MAX_NONCE
from licensor.core.web.idempotency import read_body, replay_body
from licensor.core.web.rate_limit import COUNTED, RateLimitMiddleware, refuse
from licensor.licenses import validation

PATH = validation.PATH
_JSON_TYPES = frozenset((b"application/json", b"application/json; charset=utf-8",
                         b"application/json;charset=utf-8"))
_CONTENT_TYPE = (b"content-type", b"application/json")
_NAME_MAX, _PRODUCT_MAX = 1000, 64  # LicenseInformation's max_length
log = logging.getLogger("licensor")


class ValidateHotPath:
    """`app` answers whatever this does not. With `max_bytes` (and `limits` when the rate
    limits are on) it stands in front of the application's stack and makes those checks."""

    def __init__(self, app: ASGIApp, *, max_bytes: int | None = None,
                 limits: RateLimitMiddleware | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        json_body = idempotent = False
        length = None
        for name, value in scope["headers"]:
            if name == b"content-type":
                json_body = value.lower() in _JSON_TYPES
            elif name == b"content-length":
                length = value if length is None else length  # the first, as BodyLimit reads
            elif name == b"idempotency-key":  # the idempotency middleware keeps the answer
                idempotent = True
        if self.max_bytes is not None:
            if length is None or not length.isdigit() or int(length) > self.max_bytes:
                await self.app(scope, receive, send)  # refused, or read up to the limit, there
                return
            if self.limits is not None:
                refusal = self.limits.count("validate", scope)
                if refusal is not None:
                    await refuse(refusal, send)
                    return
                scope[COUNTED] = True
        if not json_body or idempotent:
            await self.app(scope, receive, send)
            return
        try:
            body = await read_body(receive)
        except ConnectionAbortedError:  # the client went away: nobody to answer
            return
        await self._answer(scope, body, receive, send)

    async def _answer(self, scope: Scope, body: bytes, receive: Receive, send: Send) -> None:
        if b"\\u0000" in body:  # perhaps a NUL character: the route's check refuses it
            await self.app(scope, replay_body(body, receive), send)
            return
        fields = accepted(body)
        if fields is None:  # the route refuses it, or its model reads it (rare): as always
            await self.app(scope, replay_body(body, receive), send)
            return
        try:
            content, signature = validation.validate_signed(
                scope["app"].state.ctx, *fields)
        except Exception as exc:  # e.g. this host cannot sign: the full stack answers it, coded
            if not hasattr(exc, "code"):  # not a coded refusal: worth a line in the log
                log.warning("validation on the hot path failed; the route answers", exc_info=True)
            await self.app(scope, replay_body(body, receive), send)
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", b"%d" % len(content)), _CONTENT_TYPE,
                                (HEADER_NAME, signature.encode("ascii"))]})
        await send({"type": "http.response.body", "body": content})


def accepted(body: bytes) -> tuple[str, str, str | None, str | None] | None:
    """(license_name, license_key, product, nonce) of a body that `LicenseInformation`
    (licenses/endpoints.py) accepts as it stands, read without the model; None for anything
    else, which the route reads (tests/perf/test_validate_body.py: never accepted here when
    the model refuses, and always with the model's values). Other members are ignored, as
    the model ignores them."""
    try:  # an object in UTF-8 is decoded here; json.loads guesses any other encoding
        data = json.loads(body.decode() if body[:1] == b"{" and body[1:2] != b"\x00" else body)
    except (ValueError, RecursionError):  # nested too deeply: the route says so
        return None
    if type(data) is not dict:
        return None
    name, key = data.get("license_name"), data.get("license_key")
    product, nonce = data.get("product"), data.get("nonce")
    if (type(name) is not str or type(key) is not str or len(name) > _NAME_MAX
            or (product is not None and (type(product) is not str or len(product) > _PRODUCT_MAX))
            or (nonce is not None and (type(nonce) is not str or len(nonce) > MAX_NONCE))):
        return None
    if b"\\u" in body or not body.isascii():  # a lone surrogate (escaped, or its UTF-8 bytes
        # that json.loads lets through) is a str the model refuses: let the route say so
        try:
            for text in (name, key, product or "", nonce or ""):
                text.encode()
        except UnicodeEncodeError:
            return None
    return name, key, product, nonce
