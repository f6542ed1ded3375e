"""A local stand-in for the EU's VIES REST service (GET /ms/{country}/vat/{number}), on a real
socket so Licensor's HTTP client, timeouts and all, talks to it as to the real one.

`mode`: "up" answers from `registered` (isValid true or false); "down" answers as VIES does
when a member state's register is unavailable; "broken" answers 500; "slow" waits `delay`
seconds before answering.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ViesStandIn:
    def __init__(self) -> None:
        self.mode = "up"
        self.delay = 2.0
        self.registered: set[str] = set()
        self.asked: list[str] = []
        self.url = ""


def _handler(standin: ViesStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet in test output
            return

        def do_GET(self) -> None:
            parts = self.path.strip("/").split("/")
            vat_id = f"{parts[-3]}{parts[-1]}" if len(parts) >= 4 else ""
            standin.asked.append(vat_id)
            if standin.mode == "slow":
                time.sleep(standin.delay)
            if standin.mode == "broken":
                self._send(500, {"error": "internal"})
            elif standin.mode == "down":
                self._send(200, {"isValid": False, "userError": "MS_UNAVAILABLE"})
            else:
                self._send(200, {"isValid": vat_id in standin.registered,
                                 "userError": "VALID" if vat_id in standin.registered
                                 else "INVALID", "name": "---", "address": "---"})

        def _send(self, status: int, body: dict[str, object]) -> None:
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (slow mode)
                pass

    return Handler


@contextmanager
def vies_standin() -> Iterator[ViesStandIn]:
    standin = ViesStandIn()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(standin))
    server.daemon_threads = True
    standin.url = f"http://127.0.0.1:{server.server_address[1]}/taxation_customs/vies/rest-api"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()
