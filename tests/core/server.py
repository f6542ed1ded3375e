"""The real server as a subprocess (`licensor serve`), on the test's database and home."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from licensor.core.context import Context
from tests.conftest import ADMIN_TOKEN


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(process: subprocess.Popen[bytes], base: str, log: Path,
                  seconds: float = 60) -> None:
    """Ask `base`/healthz until it answers 200 (a starting server says nothing when it is
    ready); fails with the server's log if the process exits or `seconds` pass first."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            state = "exited" if process.poll() is not None else f"is not up after {seconds} s"
            raise RuntimeError(f"the server {state}; {log}:\n{log.read_text(errors='replace')}")
        time.sleep(0.1)


class Server:
    """`licensor serve` in its own process group, so SIGKILL takes its workers too."""

    def __init__(self, ctx: Context, log_dir: Path, *, workers: int = 1,
                 env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.log_dir = log_dir
        self.env = {**os.environ, "LICENSOR_HOME": str(ctx.settings.home),
                    "LICENSOR_DATABASE_URL": ctx.db.url, "LICENSOR_SANDBOX": "1",
                    "LICENSOR_ADMIN_TOKEN": ADMIN_TOKEN, "LICENSOR_JOBS_INTERVAL": "0",
                    "LICENSOR_RATE_LIMITS": "off", "LICENSOR_PASSWORD_HASH_COST": "minimum",
                    **(env or {})}
        self.env.pop("LICENSOR_SMTP_URL", None) if "LICENSOR_SMTP_URL" not in (env or {}) \
            else None
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        path = self.log_dir / f"server-{self.port}-{self.starts}.log"
        with path.open("wb") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [sys.executable, "-m", "licensor.cli", "serve", "--port", str(self.port),
                 "--workers", str(self.workers), "--no-access-log"],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until_up(self.process, self.base, path)

    def kill(self) -> None:
        """SIGKILL to the whole process group: no handler, no cleanup, as a crash."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@contextmanager
def running_server(ctx: Context, log_dir: Path, **kw: object) -> Iterator[str]:
    server = Server(ctx, log_dir, **kw)  # type: ignore[arg-type]
    server.start()
    try:
        yield server.base
    finally:
        server.stop()
