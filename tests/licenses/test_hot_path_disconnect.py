"""The validate hot path reads the body the way the request boundary does: a client that goes
away before its body arrived gets no answer, and the application behind is not woken for it."""

from __future__ import annotations

import asyncio

from starlette.types import Message, Receive, Scope, Send

from licensor.licenses.hot_path import PATH, ValidateHotPath


def test_a_disconnect_before_the_body_ends_the_request_quietly() -> None:
    behind: list[str] = []
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        behind.append(scope["path"])

    messages: list[Message] = [{"type": "http.request", "body": b'{"license_na',
                                "more_body": True}, {"type": "http.disconnect"}]

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {"type": "http", "path": PATH, "method": "POST",
                    "headers": [(b"content-type", b"application/json")]}
    asyncio.run(ValidateHotPath(app)(scope, receive, send))
    assert (behind, sent, messages) == ([], [], [])
