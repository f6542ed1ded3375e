"""`licensor serve`: one worker is plain uvicorn; several are granian workers (uvicorn's own
workers leave one core idle when keep-alive connections land on one of them:
docs/performance.md), each serving the API and restarted if it dies."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from licensor.core.context import Context
from tests.core.server import Server


def _children(group: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and int(stat.parent.name) != group:
            pids.append(int(stat.parent.name))
    return pids


def _log(tmp_path: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in tmp_path.glob("server-*.log"))


@pytest.mark.server
@pytest.mark.slow
def test_two_workers_are_granian_workers_that_come_back(ctx: Context, tmp_path: Path) -> None:
    server = Server(ctx, tmp_path, workers=2)
    server.start()
    try:
        assert server.process is not None
        assert "2 worker(s), granian" in _log(tmp_path)
        workers = _children(server.process.pid)
        assert len(workers) == 2, workers
        for _ in range(20):  # keep-alive connections, answered by either worker
            assert httpx.get(server.base + "/v1/products").status_code == 200
        os.kill(workers[0], signal.SIGKILL)  # a worker crashes: the server starts another
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = _children(server.process.pid)
            if len(now) == 2 and workers[0] not in now:
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"no new worker: {_children(server.process.pid)}")
        assert httpx.get(server.base + "/healthz").status_code == 200
    finally:
        server.stop()


@pytest.mark.server
def test_one_worker_is_plain_uvicorn(ctx: Context, tmp_path: Path) -> None:
    server = Server(ctx, tmp_path, workers=1)
    server.start()
    try:
        assert "1 worker(s), uvicorn" in _log(tmp_path)
        assert httpx.get(server.base + "/healthz").status_code == 200
    finally:
        server.stop()
