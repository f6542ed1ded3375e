"""Real SMTP servers for mail tests: aiosmtpd that records each message's Message-ID (and can be
slow, or refuse a recipient), and a server that accepts connections and never answers."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

from tests.core.server import free_port


class Recorder:
    """An aiosmtpd handler: waits `delay` seconds per message, then accepts it."""

    def __init__(self, delay: float = 0.0, refuse: str | None = None) -> None:
        self.delay = delay
        self.refuse = refuse  # a recipient answered with 550
        self.message_ids: list[str] = []
        self.messages: list[Message] = []  # every message accepted, whole
        self._lock = threading.Lock()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address == self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        msg = message_from_bytes(envelope.original_content or envelope.content)
        with self._lock:
            self.message_ids.append(str(msg["Message-ID"]))
            self.messages.append(msg)
        return "250 Message accepted for delivery"

    def counts(self) -> Counter[str]:
        with self._lock:
            return Counter(self.message_ids)


class SmtpServer:
    def __init__(self, recorder: Recorder, port: int | None = None) -> None:
        self.recorder = recorder
        self.port = port or free_port()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpServer:
        self._controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


class StalledServer:
    """Accepts TCP connections and never says a word, like a hung mail server."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        self.connected = threading.Event()
        self._conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self._conns.append(conn)
            self.connected.set()

    def stop(self) -> None:
        self.sock.close()
        for conn in self._conns:
            conn.close()
