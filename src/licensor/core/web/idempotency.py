"""The request boundary: one commit per request, and Idempotency-Key as in Stripe.

A request that writes gets its session from `deps.write_session`, which leaves it here. When
the handler's answer is complete (before any byte of it leaves), the boundary commits the
session if the answer is a success, with the answer of an Idempotency-Key written in the same
transaction, so a retry can never find the work done and the answer missing; an error answer
rolls the work back. Only then is the answer sent, and the mail it queued delivered.

An Idempotency-Key (any POST) is scoped to the method, path and caller (Authorization). A
running request holds it with a lease it renews, so a concurrent retry gets 409
IDEMPOTENCY_KEY_IN_USE while a key whose holder died is free again within the lease (30 s).
The request is compared as canonical JSON. 5xx answers, and answers that ask to retry later
(with Retry-After: PAYMENT_IN_PROGRESS, RATE_LIMITED), are not kept: the retry runs again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from anyio import to_thread
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from licensor.core import events, idempotency
from licensor.core.context import Context
from licensor.core.idempotency import Answer, Claim

SESSION = "licensor.session"  # where deps.write_session leaves the request's session
log = logging.getLogger("licensor.api")

REFUSALS = {
    "IDEMPOTENCY_KEY_IN_USE": (409, ("A request with this Idempotency-Key is in progress; "
                                     "retry in a moment to get its answer.")),
    "IDEMPOTENCY_KEY_REUSED": (422, ("This Idempotency-Key was used with a different "
                                     "request; use a new key for a new request.")),
}


def deliver_mail(ctx: Context) -> None:
    """After a request's commit (this boundary's, or an endpoint's own commit in deps):
    the process's background sender sends the mail, so the response never waits on SMTP."""
    ctx.mailer.wake(ctx)
    events.committed(ctx)  # and the other outboxes (webhooks)


def _error(code: str, message: str, status: int, **details: Any) -> Answer:
    body = {"error": {"code": code, "message": message, "details": details}}
    return Answer(status, json.dumps(body).encode(), "application/json", replayed=False)


async def _answer(send: Send, answer: Answer) -> None:
    headers = [(b"content-type", answer.content_type.encode("latin-1")),
               (b"content-length", str(len(answer.body)).encode())]
    if answer.replayed:
        headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})


async def read_body(receive: Receive) -> bytes:
    """The whole request body; ConnectionAbortedError if the client disconnects first."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionAbortedError("the client went away")
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


class RequestBoundary:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ctx: Context = scope["app"].state.ctx
        claim = None
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        key = headers.get("idempotency-key")
        if scope["method"] == "POST" and key:
            if len(key) > 255:
                await _answer(send, _error("INVALID_REQUEST", "Idempotency-Key must be at most "
                                           "255 characters.", 422, header="Idempotency-Key"))
                return
            try:
                body = await read_body(receive)
            except ConnectionAbortedError:
                return
            claim = Claim.of(scope["method"], scope["path"], headers.get("authorization", ""),
                             key, body)
            found = await to_thread.run_sync(idempotency.claim, ctx.db, claim)
            if isinstance(found, Answer):
                await _answer(send, found)
                return
            if isinstance(found, str):
                status, message = REFUSALS[found]
                await _answer(send, _error(found, message, status, header="Idempotency-Key"))
                return
            receive = replay_body(body, receive)
        await self._run(scope, receive, send, ctx, claim)

    async def _run(self, scope: Scope, receive: Receive, send: Send, ctx: Context,
                   claim: Claim | None) -> None:
        held: list[Message] = []
        answer: dict[str, Any] = {"status": 500, "type": "application/json", "body": b""}
        heartbeat = asyncio.create_task(_keep_alive(ctx, claim)) if claim else None

        async def boundary_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                for k, v in message.get("headers", []):
                    if k.lower() == b"content-type":
                        answer["type"] = v.decode("latin-1")
                    elif k.lower() == b"retry-after":  # "try again later": not an answer to keep
                        answer["transient"] = True
                if claim is None and scope.get(SESSION) is None:
                    answer["passthrough"] = True
                    await send(message)
                else:
                    held.append(message)
                return
            if message["type"] != "http.response.body" or answer.get("passthrough"):
                await send(message)
                return
            held.append(message)
            answer["body"] += message.get("body", b"")
            if message.get("more_body"):
                return
            failed = await to_thread.run_sync(_finish, ctx, scope.get(SESSION), claim, answer)
            if failed is not None:
                await _answer(send, failed)
                return
            for m in held:
                await send(m)
            if scope.get(SESSION) is not None and answer["status"] < 400:
                await to_thread.run_sync(deliver_mail, ctx)

        try:
            await self.app(scope, receive, boundary_send)
        except BaseException:
            if claim is not None and not claim.stored:
                with contextlib.suppress(Exception):
                    await to_thread.run_sync(idempotency.release, ctx.db, claim)
            raise
        finally:
            if heartbeat is not None:
                heartbeat.cancel()


def replay_body(body: bytes, original: Receive) -> Receive:
    """The body already read, then the connection's own messages (a disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return await original()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _keep_alive(ctx: Context, claim: Claim | None) -> None:
    assert claim is not None
    while True:
        await asyncio.sleep(idempotency.HEARTBEAT.total_seconds())
        with contextlib.suppress(Exception):
            await to_thread.run_sync(idempotency.renew, ctx.db, claim)


def _finish(ctx: Context, session: Session | None, claim: Claim | None,
            answer: dict[str, Any]) -> Answer | None:
    """Commit the work with its answer (success) or roll it back (error); keep the answer.
    Returns the answer to send instead when the commit itself failed."""
    status, body, content_type = answer["status"], answer["body"], answer["type"]
    try:
        if session is not None:
            if status < 400:
                if claim is not None:
                    idempotency.record(session, claim, status, body, content_type)
                session.commit()
            else:
                session.rollback()
        if claim is not None and not claim.stored:
            if status >= 500 or answer.get("transient"):
                idempotency.release(ctx.db, claim)
            else:
                idempotency.record_alone(ctx.db, claim, status, body, content_type)
        return None
    except Exception:
        log.exception("the request's commit failed")
        if session is not None:
            with contextlib.suppress(Exception):
                session.rollback()
        if claim is not None:
            with contextlib.suppress(Exception):
                idempotency.release(ctx.db, claim)
        return _error("INTERNAL", "The change could not be saved and nothing was changed; "
                      "retry in a moment.", 500)
