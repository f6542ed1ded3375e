"""Bodies over LICENSOR_MAX_BODY_BYTES are refused with 413 before they are read: in process, and
on a real uvicorn server whose memory must not grow with a streamed 50 MB body."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from licensor.app import create_app
from licensor.core.context import Context, build_context
from tests.builders import create_license, license_info
from tests.conftest import make_settings
from tests.core.server import free_port, wait_until_up

LIMIT = 4096


@pytest.fixture
def small(ctx: Context, tmp_path: Path) -> Iterator[TestClient]:
    limited = build_context(make_settings(tmp_path / "small", ctx.db.url, max_body_bytes=LIMIT),
                            db=ctx.db)
    limited.keyring = ctx.keyring
    with TestClient(create_app(limited, run_prepare=False)) as c:
        yield c


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "PAYLOAD_TOO_LARGE" and error["details"] == {"limit": LIMIT}
    assert "smaller" in error["message"]


def test_a_body_over_the_limit_is_413(small: TestClient, admin) -> None:
    padding = "x" * LIMIT
    assert_too_large(small.post("/v1/licenses", headers=admin, json={
        "product": "desktop", "seats": 1, "license_name": padding, "email": "a@acme.test"}))
    # The validate hot path is inside the limit too.
    assert_too_large(small.post("/v1/licenses/validate", json={
        "license_name": padding, "license_key": "k"}))


def test_a_chunked_body_is_counted_as_it_streams(small: TestClient, ctx: Context) -> None:
    def chunks(total: int) -> Iterator[bytes]:
        yield b'{"email": "'
        yield b"a" * (total - 20)
        yield b'@acme.test"}'

    assert_too_large(small.post("/v1/licenses/lost-key", content=chunks(LIMIT + 100),
                                headers={"content-type": "application/json"}))
    # Under the limit the same streamed body is read and answered as usual.
    lic = create_license(ctx, email="owner@acme.test")
    answer = small.post("/v1/licenses/validate", content=iter([
        b'{"license_name": ', f'"{lic.license_name}", '.encode(),
        f'"license_key": "{license_info(lic)["license_key"]}"}}'.encode()]),
        headers={"content-type": "application/json"})
    assert answer.status_code == 200 and answer.json()["valid"] is True


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def send_huge(port: int, total: int, chunked: bool) -> tuple[int, float, int]:
    """POST a `total`-byte body 64 KiB at a time, stopping once the server answers. Returns the
    status, the seconds it took and how many body bytes went out."""
    began = time.perf_counter()
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    framing = b"Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}".encode()
    sock.sendall(b"POST /v1/licenses HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 + framing + b"\r\n\r\n")
    chunk, sent = b"x" * 65536, 0
    try:
        while sent < total and not select.select([sock], [], [], 0)[0]:
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server closed the connection after answering
    answer = sock.recv(65536)
    sock.close()
    return int(answer.split(b" ", 2)[1]), time.perf_counter() - began, sent


@pytest.mark.server
@pytest.mark.slow
def test_a_real_server_refuses_50_mb_without_reading_it(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "LICENSOR_HOME": str(tmp_path / "home"), "LICENSOR_JOBS_INTERVAL": "0",
           "LICENSOR_SANDBOX": "1", "LICENSOR_RATE_LIMITS": "off"}
    env.pop("LICENSOR_DATABASE_URL", None)
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen([str(Path(sys.executable).parent / "licensor"), "serve",
                                   "--port", str(port), "--no-access-log"], env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
    try:
        wait_until_up(server, f"http://127.0.0.1:{port}", log, seconds=30)
        before = rss_kb(server.pid)
        results: list[tuple[int, float, int]] = []
        threads = [threading.Thread(target=lambda c=chunked: results.append(
            send_huge(port, 50 * 1024 * 1024, c))) for chunked in (True, True, False, False)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        grown_mb = (rss_kb(server.pid) - before) / 1024
    finally:
        server.terminate()
        server.wait(20)
    assert [status for status, _, _ in results] == [413] * 4
    assert all(seconds < 5 and sent < 10 * 1024 * 1024 for _, seconds, sent in results), results
    assert grown_mb < 15, grown_mb
