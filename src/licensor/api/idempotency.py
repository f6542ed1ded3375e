"""Idempotency-Key on POST, as in Stripe: the same key and body answer the first response again.

A key is scoped to the method, path and caller (Authorization). A running request holds the
key (a row without a status), so a concurrent retry gets 409 IDEMPOTENCY_KEY_IN_USE instead of
a second charge. Responses of 5xx are not kept: the retry runs again.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from anyio import to_thread
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from licensor.services.context import Context
from licensor.store.models import IdempotencyKeyRow

STALE_AFTER = timedelta(minutes=5)  # a holder that died without answering frees its key


def _error(code: str, message: str, status: int) -> tuple[int, bytes]:
    body = {"error": {"code": code, "message": message, "details": {"header": "Idempotency-Key"}}}
    return status, json.dumps(body).encode()


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        key = headers.get("idempotency-key")
        if not key:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        ctx: Context = scope["app"].state.ctx
        if len(key) > 255:
            await _send(send, *_error("INVALID_REQUEST", "Idempotency-Key must be at most 255 "
                                      "characters.", 422), "application/json")
            return
        scope_hash = hashlib.sha256("\n".join(
            [scope["method"], scope["path"], headers.get("authorization", "")]).encode()
        ).hexdigest()
        body_hash = hashlib.sha256(body).hexdigest()
        claim = await to_thread.run_sync(_claim, ctx, scope_hash, key, body_hash)
        if claim is not None:
            await _send(send, *claim)
            return
        captured: dict[str, Any] = {"status": 500, "body": b"", "type": "application/json"}

        async def replay_receive() -> Message:
            nonlocal body
            chunk, body = body, b""
            return {"type": "http.request", "body": chunk, "more_body": False}

        async def capture_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                for k, v in message.get("headers", []):
                    if k.lower() == b"content-type":
                        captured["type"] = v.decode("latin-1")
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            await send(message)

        try:
            await self.app(scope, replay_receive, capture_send)
        finally:
            await to_thread.run_sync(_finish, ctx, scope_hash, key, captured)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _send(send: Send, status: int, body: bytes, content_type: str = "application/json"
                ) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type.encode()),
                            (b"idempotent-replayed", b"true")]})
    await send({"type": "http.response.body", "body": body})


def _claim(ctx: Context, scope_hash: str, key: str,
           body_hash: str) -> tuple[int, bytes, str] | None:
    """Hold the key for this request, or the answer to give instead of running it."""
    now = datetime.now(UTC)  # bookkeeping time, not business time: the real clock is right
    with ctx.db.writer() as session:
        row = session.get(IdempotencyKeyRow, (scope_hash, key))
        if row is None:
            session.add(IdempotencyKeyRow(scope=scope_hash, key=key, request_hash=body_hash,
                                          created_at=now))
            try:
                session.commit()
                return None
            except IntegrityError:
                session.rollback()
                row = session.get(IdempotencyKeyRow, (scope_hash, key))
                if row is None:
                    return _error("IDEMPOTENCY_KEY_IN_USE", "A request with this "
                                  "Idempotency-Key is in progress; retry in a moment.", 409) + (
                                      "application/json",)
        if row.request_hash != body_hash:
            return _error("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used with a "
                          "different request body; use a new key for a new request.", 422) + (
                              "application/json",)
        if row.status_code is None:
            if now - row.created_at < STALE_AFTER:
                return _error("IDEMPOTENCY_KEY_IN_USE", "A request with this Idempotency-Key "
                              "is in progress; retry in a moment.", 409) + ("application/json",)
            row.created_at = now
            session.commit()
            return None
        return row.status_code, (row.response_body or "").encode(), row.content_type or ""


def _finish(ctx: Context, scope_hash: str, key: str, captured: dict[str, Any]) -> None:
    with ctx.db.writer() as session:
        row = session.get(IdempotencyKeyRow, (scope_hash, key))
        if row is None:
            return
        if captured["status"] >= 500:
            session.delete(row)
        else:
            row.status_code = captured["status"]
            row.response_body = captured["body"].decode("utf-8", "replace")
            row.content_type = captured["type"]
        session.commit()
