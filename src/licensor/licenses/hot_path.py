"""`POST /v1/licenses/validate` answered before the rest of the application.

Every launch of a vendor's app validates its License Information, so this one request skips
the middleware stack, routing and dependency injection that it does not need. It is an ASGI
middleware placed outside every other one (inside Starlette's error middleware, so a failure
still gets the API's 500 answer). It answers only a well-formed request: JSON content type, a
body that `LicenseInformation` accepts, no Idempotency-Key header. Anything else is handed, body
and all, to the regular FastAPI route in licenses/endpoints.py, so every refusal is the one the API
has always given. The answer is signed here too (core/signed_answers.py: ~20 µs of Ed25519).
"""

from __future__ import annotations

import json

from pydantic import ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from licensor.core.errors import LicensorError
from licensor.core.signed_answers import HEADER_NAME
from licensor.core.web.idempotency import read_body, replay_body
from licensor.licenses import validation

PATH = validation.PATH
_JSON_TYPES = (b"application/json", b"application/json; charset=utf-8",
               b"application/json;charset=utf-8")
_HEADERS = [(b"content-type", b"application/json")]


class ValidateHotPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        json_body = False
        for name, value in scope["headers"]:
            if name == b"content-type":
                json_body = value.lower() in _JSON_TYPES
            elif name == b"idempotency-key":  # the idempotency middleware keeps the answer
                json_body = False
                break
        if not json_body:
            await self.app(scope, receive, send)
            return
        try:
            body = await read_body(receive)
        except ConnectionAbortedError:  # the client went away: nobody to answer
            return
        if b"\\u0000" in body:  # perhaps a NUL character: the route's check refuses it
            await self.app(scope, replay_body(body, receive), send)
            return
        from licensor.licenses.endpoints import LicenseInformation

        try:
            info = LicenseInformation.model_validate(json.loads(body))
        except (ValueError, ValidationError, RecursionError):  # nested too deeply: the route says so
            await self.app(scope, replay_body(body, receive), send)
            return
        try:
            content, signature = validation.validate_signed(
                scope["app"].state.ctx, info.license_name, info.license_key, info.product,
                info.nonce)
        except LicensorError:  # e.g. this host cannot sign: the full stack answers it, coded
            await self.app(scope, replay_body(body, receive), send)
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(len(content)).encode()), *_HEADERS,
                                (HEADER_NAME, signature.encode("ascii"))]})
        await send({"type": "http.response.body", "body": content})
