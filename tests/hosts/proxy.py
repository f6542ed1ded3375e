"""A small HTTP load balancer for the multi-host tests: each request (not each connection, so a
browser's keep-alive connection alternates too) goes to the next backend in turn.

Like haproxy with `option redispatch`: a backend that refuses the connection (killed) gets no
request; it goes to the other. A backend that dies while answering gives the client 502, as a
real balancer does (the client retries with its Idempotency-Key). Counts what each backend
answered.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import httpx

from tests.core.server import free_port

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-connection", "content-length"}


class RoundRobinProxy:
    """`mode="alternate"`: request n goes to backend n mod 2. `mode="split"`: reads (GET,
    HEAD) go to the first backend and writes to the second, so every form a page drew is posted
    to the other host."""

    def __init__(self, backends: list[str], mode: str = "alternate") -> None:
        self.backends = backends
        self.mode = mode
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.requests: Counter[str] = Counter()  # answered, by backend
        self.statuses: Counter[tuple[str, int]] = Counter()
        self.posts: list[tuple[str, str, int]] = []  # (backend, path, status) of each write
        self.bad_gateway = 0
        self._turn = itertools.count()
        self._lock = threading.Lock()
        self._client = httpx.Client(timeout=60, limits=httpx.Limits(max_connections=64))
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._client.close()

    def order_for(self, method: str) -> list[str]:
        if self.mode == "split":
            first = self.backends[0] if method in ("GET", "HEAD") else self.backends[1]
        else:
            with self._lock:
                first = self.backends[next(self._turn) % len(self.backends)]
        return [first, *[b for b in self.backends if b != first]]

    def forward(self, method: str, path: str, headers: list[tuple[str, str]],
                body: bytes) -> tuple[str, httpx.Response | None]:
        """(backend, answer); answer None: the backend died while answering (502)."""
        for backend in self.order_for(method):
            try:
                request = self._client.build_request(method, backend + path, headers=headers,
                                                     content=body)
                answer = self._client.send(request, stream=True)
                answer.read()
                return backend, answer
            except httpx.ConnectError:
                continue  # redispatched: nothing reached the backend
            except httpx.HTTPError:
                return backend, None
        return self.backends[0], None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = [(k, v) for k, v in self.headers.items()
                           if k.lower() not in HOP_BY_HOP]
                backend, answer = proxy.forward(self.command, self.path, headers, body)
                if answer is None:
                    with proxy._lock:
                        proxy.bad_gateway += 1
                    self.send_response(502)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                raw = answer.content  # decoded: sent without its Content-Encoding
                with proxy._lock:
                    proxy.requests[backend] += 1
                    proxy.statuses[(backend, answer.status_code)] += 1
                    if self.command not in ("GET", "HEAD"):
                        proxy.posts.append((backend, self.path, answer.status_code))
                self.send_response(answer.status_code)
                for key, value in answer.headers.multi_items():
                    if key.lower() not in HOP_BY_HOP | {"content-encoding"}:
                        self.send_header(key, value)
                self.send_header("X-Served-By", backend)  # which host answered, for the test
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(raw)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _any

        return Handler

    def answered(self, status: int) -> int:
        return sum(n for (_, code), n in self.statuses.items() if code == status)
