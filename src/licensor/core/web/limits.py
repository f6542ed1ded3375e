"""Request bodies larger than LICENSOR_MAX_BODY_BYTES are refused with 413 before they are read.

The outermost middleware, so no body reaches the validate hot path, the idempotency middleware
or JSON parsing unchecked: a body whose Content-Length is too large is refused without reading a
byte of it; a chunked body (no Content-Length) is read here up to the limit and handed on, or
refused as soon as it passes the limit, so no request holds more than the limit in memory.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def too_large(limit: int) -> bytes:
    return json.dumps({"error": {
        "code": "PAYLOAD_TOO_LARGE",
        "message": f"The request body is larger than the {limit}-byte limit; send a smaller "
                   "body (split bulk work into several requests).",
        "details": {"limit": limit}}}).encode()


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int,
                 exempt: Iterable[tuple[str, str]] = ()) -> None:
        """`exempt`: (method, path pattern) of routes that stream a large body themselves and
        enforce their own limit (a release artifact upload)."""
        self.app = app
        self.max_bytes = max_bytes
        self.exempt = [(method, re.compile(pattern)) for method, pattern in exempt]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or any(
                scope["method"] == method and pattern.match(scope["path"])
                for method, pattern in self.exempt):
            await self.app(scope, receive, send)
            return
        length: int | None = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    length = None  # the server refuses a malformed length before we see it
                break
        if length is not None:
            if length > self.max_bytes:
                await self._refuse(send)
                return
            await self.app(scope, receive, send)  # the server delivers no more than announced
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away mid-body
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                await self._refuse(send)
                return
        await self.app(scope, _replay(bytes(body), receive), send)

    async def _refuse(self, send: Send) -> None:
        content = too_large(self.max_bytes)
        # Connection: close, since the rest of the body is never read.
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(content)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": content})


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body read here as one message, then whatever else the server sends (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
