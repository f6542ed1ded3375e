"""Validation's CPU per request without the HTTP server: the ASGI application driven in process.

bench/validate.py measures through uvicorn and wrk, whose figures the machine's other users
move by a factor of two; this one calls the application itself with a validate request
(2,000 licenses, random valid keys, a client address among 2,000: with the limits on,
named in X-Forwarded-For by the trusted proxy 127.0.0.1, as bench/validate.py sends them),
so the only thing that moves it is the CPU it gets, and reports the least CPU time per request of `--rounds` rounds
for the ceiling (bench/ceiling.py) and Licensor with the rate limits off and on.

Run: .venv/bin/python bench/validate_asgi.py [--rounds 5] [--number 3000]
(each mode in a fresh interpreter, alternating `--runs` times).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _scopes(bodies: list[bytes], proxied: bool = False) -> list[tuple[dict[str, Any], bytes]]:
    """One request per client address; `proxied`: as bench/validate.py sends them with the
    limits on, from the trusted proxy 127.0.0.1 naming the client in X-Forwarded-For."""
    scopes = []
    for i in range(2000):
        body = bodies[i % len(bodies)]
        address = f"10.0.{i // 256}.{i % 256}"
        forwarded = [(b"x-forwarded-for", address.encode())] if proxied else []
        scopes.append(({
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
            "scheme": "http", "path": "/v1/licenses/validate",
            "raw_path": b"/v1/licenses/validate", "query_string": b"", "root_path": "",
            "client": ("127.0.0.1" if proxied else address, 5000),
            "server": ("127.0.0.1", 8000),
            "headers": [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()), *forwarded]}, body))
    return scopes


async def _drive(app: Any, scopes: list[tuple[dict[str, Any], bytes]], number: int) -> None:
    for i in range(number):
        template, body = scopes[i % len(scopes)]
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        status: list[int] = []

        async def receive(messages: list[dict[str, Any]] = messages) -> dict[str, Any]:
            return messages.pop() if messages else {"type": "http.disconnect"}

        async def send(message: dict[str, Any], status: list[int] = status) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])

        await app(dict(template), receive, send)
        if status != [200]:
            raise SystemExit(f"unexpected answer {status}")


def one_mode(mode: str, bodies_file: str, rounds: int, number: int) -> float:
    """Least µs of CPU per request over `rounds`, in this interpreter."""
    if mode == "ceiling":
        from ceiling import app
    else:
        from licensor.app import create_app
        from licensor.config import Settings
        from licensor.core.context import build_context

        app = create_app(build_context(Settings()), run_prepare=False)
    bodies = [line.strip().encode() for line in open(bodies_file)]  # noqa: SIM115
    scopes = _scopes(bodies, proxied=mode == "on")

    async def measure() -> float:
        await _drive(app, scopes, 500)  # warm up
        best = []
        for _ in range(rounds):
            started = time.process_time()
            await _drive(app, scopes, number)
            best.append((time.process_time() - started) / number * 1e6)
        return min(best)

    return asyncio.run(measure())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--number", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--mode", help=argparse.SUPPRESS)  # one measurement, in a child
    parser.add_argument("--bodies", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(one_mode(args.mode, args.bodies, args.rounds, args.number)))
        return 0
    from _common import licensor_env, seed_licenses, write_bodies

    with tempfile.TemporaryDirectory(prefix="licensor-asgi-") as tmp:
        home = Path(tmp)
        url = f"sqlite:///{home / 'licensor.db'}"
        bodies_file, _ = write_bodies(seed_licenses(home, url, 2000, sample=2000), home)
        env = {**licensor_env(home, url), "BENCH_BODIES": str(bodies_file)}
        modes = {"ceiling": {}, "off": {"LICENSOR_RATE_LIMITS": "off"},
                 "on": {"LICENSOR_RATE_LIMITS": "", "LICENSOR_TRUSTED_PROXIES": "127.0.0.1"}}
        results: dict[str, list[float]] = {mode: [] for mode in modes}
        for _ in range(args.runs):
            for mode, extra in modes.items():
                out = subprocess.run(
                    [sys.executable, __file__, "--mode", mode, "--bodies", str(bodies_file),
                     "--rounds", str(args.rounds), "--number", str(args.number)],
                    env={**env, **extra}, check=True, capture_output=True, text=True).stdout
                results[mode].append(float(out.strip().splitlines()[-1]))
    ceiling = statistics.median(results["ceiling"])
    print(f"µs of CPU per request (least of {args.rounds} rounds of {args.number}; "
          f"{args.runs} runs; load average {os.getloadavg()[0]:.1f} at the end)")
    for mode, values in results.items():
        print(f"{mode:<8} median {statistics.median(values):7.1f} µs  runs: "
              + ", ".join(f"{v:.1f}" for v in values)
              + ("" if mode == "ceiling" else
                 f"  ratio to the ceiling {ceiling / statistics.median(values):.2f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
