"""A real HTTP receiver on 127.0.0.1 for webhook tests: it answers from a script (status,
headers) and keeps every request it got."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str = ""
    # Answers for the next requests, in order: (status, headers); then `default`.
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    default: tuple[int, dict[str, str]] = (200, {})
    got: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> tuple[int, dict[str, str]]:
        with self.lock:
            return self.script.pop(0) if self.script else self.default

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.got) >= count:
                    return list(self.got)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} request(s), got {len(self.got)}")

    def ids(self) -> list[str]:
        with self.lock:
            return [r.headers["webhook-id"] for r in self.got]


@contextmanager
def receiver(**kw: Any) -> Iterator[Receiver]:
    state = Receiver(**kw)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            with state.lock:
                state.got.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
            status, headers = state.answer()
            payload = b'{"ok": true}' if status < 300 else b"receiver says no " * 200
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
