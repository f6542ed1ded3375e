"""Helpers shared by the HTTP benchmarks: seeding licenses fast, servers, wrk."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
WRK_HELP = ("wrk is not installed: install it with `apt-get install -y wrk` (Debian/Ubuntu "
            "package `wrk`), then run this benchmark again.")


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        sys.exit(WRK_HELP)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def licensor_env(home: Path, url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"LICENSOR_HOME": str(home), "LICENSOR_DATABASE_URL": url,
                "LICENSOR_JOBS_INTERVAL": "0", "LICENSOR_SANDBOX": "true",
                # The limits stay on, so their cost is measured, but wrk from one address must
                # never trip them (BENCH_RATE_LIMITS=off measures without them).
                "LICENSOR_RATE_LIMITS": os.environ.get(
                    "BENCH_RATE_LIMITS", "validate=1000000000/minute,updates=1000000000/minute,"
                    "registrations=1000000000/minute")})
    return env


# -- seeding -----------------------------------------------------------------------------------

def seed_licenses(home: Path, url: str, count: int, sample: int) -> list[dict[str, str]]:
    """Migrate, load the catalog, then insert `count` pre-signed licenses in bulk (COPY on
    PostgreSQL, executemany on SQLite); return `sample` random validate bodies among them."""
    from nacl.signing import SigningKey  # noqa: F401  (imported for its side effect: libsodium)
    from sqlalchemy import insert

    from licensor.app import prepare
    from licensor.config import Settings
    from licensor.core.context import build_context
    from licensor.licenses.models import LicenseRow
    from licensor.licenses.service import new_license_id
    from licensor.verify import Claims, encode_claims, format_key

    os.environ.update(licensor_env(home, url))
    ctx = build_context(Settings())
    prepare(ctx)
    with ctx.db.transaction() as session:
        kid, signing_key = ctx.keyring.signer(session)
    now = datetime.now(UTC).replace(microsecond=0)
    issued = int(now.timestamp())
    maintenance = now + timedelta(days=365)
    picked = set(random.sample(range(count), min(sample, count)))
    bodies: list[dict[str, str]] = []
    columns = ("id", "product", "seats", "license_name", "license_key", "email", "channel",
               "status", "kid", "purchased_at", "issued_at", "created_at", "maintenance_until",
               "major_version", "version")
    naive_now, naive_maint = now.replace(tzinfo=None), maintenance.replace(tzinfo=None)

    def rows(start: int, stop: int) -> Iterator[tuple[Any, ...]]:
        for i in range(start, stop):
            lid = new_license_id()
            name = f"Customer {i} Ltd"
            claims = Claims(license_id=lid, product="desktop", seats=10, issued_at=issued,
                            kid=kid, maintenance_until=int(maintenance.timestamp()),
                            major_version=None)
            message = encode_claims(claims, name)
            key = format_key(message + signing_key.sign(message).signature)
            if i in picked:
                bodies.append({"license_name": name, "license_key": key})
            yield (lid, "desktop", 10, name, key, f"buyer{i}@example.test", "direct", "active",
                   kid, naive_now, naive_now, naive_now, naive_maint, None, 1)

    batch = 20_000
    started = time.perf_counter()
    if ctx.db.is_sqlite:
        table = LicenseRow.__table__
        for start in range(0, count, batch):
            values = [dict(zip(columns, r, strict=True))
                      for r in rows(start, min(count, start + batch))]
            for v in values:  # the ORM type stores naive UTC; Core insert takes aware times
                for k in ("purchased_at", "issued_at", "created_at", "maintenance_until"):
                    v[k] = v[k].replace(tzinfo=UTC)
            with ctx.db.engine.begin() as conn:
                conn.execute(insert(table), values)
    else:
        raw = ctx.db.engine.raw_connection()
        try:
            cur = raw.cursor()
            for start in range(0, count, batch):
                with cur.copy(f"COPY licenses ({', '.join(columns)}) FROM STDIN") as copy:
                    for r in rows(start, min(count, start + batch)):
                        copy.write_row(r)
                raw.commit()
                if count >= 100_000:
                    print(f"  seeded {min(count, start + batch):,}/{count:,} "
                          f"({time.perf_counter() - started:.0f} s)", flush=True)
            cur.execute("ANALYZE licenses")
            raw.commit()
        finally:
            raw.close()
    ctx.db.dispose()
    print(f"seeded {count:,} licenses in {time.perf_counter() - started:.1f} s", flush=True)
    return bodies


# -- servers -------------------------------------------------------------------------------

@contextmanager
def server(args: list[str], port: int,
           env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server process (its own process group), wait until it answers, stop it after."""
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"server exited: {' '.join(args)}\n{log.read()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not start in 60 s") from None
                time.sleep(0.2)
        time.sleep(1.0)  # let every worker of a multi-process server come up
        yield proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
        os.unlink(log.name)


def licensor_server(home: Path, url: str, port: int, workers: int,
                    http_server: str = "auto", env: dict[str, str] | None = None) -> Any:
    return server([str(VENV_BIN / "licensor"), "serve", "--port", str(port), "--workers",
                   str(workers), "--no-access-log", "--server", http_server], port,
                  {**licensor_env(home, url), **(env or {})})


def cpu_ticks(group: int) -> dict[int, int]:
    """CPU ticks (user + system) of every process in a process group, by pid."""
    ticks: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # fields after the command: state ppid pgrp ... utime stime
            ticks[int(stat.parent.name)] = int(fields[11]) + int(fields[12])
    return ticks


def cpu_split(before: dict[int, int], after: dict[int, int]) -> list[int]:
    """Ticks each process spent between two readings, busiest first (the supervisor, idle,
    comes last)."""
    return sorted((after[pid] - before.get(pid, 0) for pid in after), reverse=True)


def ceiling_server(bodies_file: Path, port: int, home: Path, url: str) -> Any:
    env = licensor_env(home, url)
    env["BENCH_BODIES"] = str(bodies_file)
    return server([sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT / "bench"),
                   "ceiling:app", "--port", str(port), "--no-access-log",
                   # as `licensor serve` runs uvicorn: proxy headers are Licensor's to read
                   "--no-proxy-headers", "--log-level", "warning"], port, env)


# -- load ----------------------------------------------------------------------------------

LUA = """
local bodies = {}
for line in io.lines("%s") do bodies[#bodies + 1] = line end
local addresses = %d
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  local headers = nil
  if addresses > 0 then  -- a client address among `addresses`, as a proxy would name it
    local i = math.random(addresses)
    headers = {["Content-Type"] = "application/json",  -- these replace wrk.headers
               ["X-Forwarded-For"] = string.format("10.%%d.%%d.%%d", math.floor(i / 65536),
                                                   math.floor(i / 256) %% 256, i %% 256)}
  end
  return wrk.format(nil, "/v1/licenses/validate", headers, bodies[math.random(#bodies)])
end
"""


def write_bodies(bodies: list[dict[str, str]], directory: Path,
                 addresses: int = 0) -> tuple[Path, Path]:
    """The bodies, and a wrk script posting a random one; with `addresses`, each request names
    a random client among that many in X-Forwarded-For (for LICENSOR_TRUSTED_PROXIES)."""
    bodies_file = directory / "bodies.jsonl"
    bodies_file.write_text("".join(json.dumps(b) + "\n" for b in bodies))
    script = directory / f"random_bodies_{addresses}.lua"
    script.write_text(LUA % (bodies_file, addresses))
    return bodies_file, script


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(port: int, script: Path, seconds: int, connections: int = 32, threads: int = 1) -> Load:
    out = subprocess.run([require_wrk(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s",
                          "--latency", "-s", str(script), f"http://127.0.0.1:{port}"],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock:
        errors += sum(int(g) for g in sock.groups())
    return Load(rps, p50, p99, errors, total)


def check_answers(port: int, bodies: list[dict[str, str]]) -> None:
    """A few requests by hand: the server must say VALID before we time it."""
    import httpx

    for body in bodies[:5]:
        answer = httpx.post(f"http://127.0.0.1:{port}/v1/licenses/validate", json=body).json()
        if answer.get("code") != "VALID":
            raise RuntimeError(f"unexpected answer {answer}")
