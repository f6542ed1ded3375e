"""The signed revocation list under load, against a health check measured in the same run.

Target: `GET /v1/revocations` served by `licensor serve` (one worker, SQLite, 2,000 licenses of
which --revoked are revoked, wrk with 32 connections) >= 0.5 x `GET /healthz` on the same
server: the list is signed once and kept, so serving it must cost about what a health check
costs (its bytes aside).

Run: .venv/bin/python bench/revocations.py [--revoked 200] [--seconds 5] [--runs 3]
Needs wrk: `apt-get install -y wrk`. The two paths run alternately, `--runs` times each; the
figures are the medians.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Load, free_port, licensor_server, require_wrk, seed_licenses, wrk

TARGET = 0.5
GET = """
wrk.method = "GET"
request = function() return wrk.format(nil, "%s") end
"""


def describe(name: str, loads: list[Load]) -> str:
    return (f"{name:<22} median {statistics.median(x.rps for x in loads):8.0f} req/s  "
            f"p50 {statistics.median(x.p50_ms for x in loads):6.2f} ms  "
            f"p99 {statistics.median(x.p99_ms for x in loads):6.2f} ms  runs: "
            + ", ".join(f"{x.rps:.0f}" for x in loads)
            + (f"  ERRORS {sum(x.errors for x in loads)}" if any(x.errors for x in loads)
               else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--licenses", type=int, default=2000)
    parser.add_argument("--revoked", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    require_wrk()

    with tempfile.TemporaryDirectory(prefix="licensor-bench-") as tmp:
        home = Path(tmp)
        url = f"sqlite:///{home / 'licensor.db'}"
        seed_licenses(home, url, args.licenses, sample=0)
        with sqlite3.connect(home / "licensor.db") as db:
            db.execute("UPDATE licenses SET status = 'revoked' WHERE id IN "
                       "(SELECT id FROM licenses LIMIT ?)", (args.revoked,))
        scripts = {}
        for name, path in (("health", "/healthz"), ("revocations", "/v1/revocations")):
            scripts[name] = home / f"{name}.lua"
            scripts[name].write_text(GET % path)
        health: list[Load] = []
        served: list[Load] = []
        port = free_port()
        with licensor_server(home, url, port, workers=1):
            document = httpx.get(f"http://127.0.0.1:{port}/v1/revocations").json()
            size = len(json.dumps(document))
            wrk(port, scripts["revocations"], 2, args.connections)  # warm up
            for run in range(args.runs):
                health.append(wrk(port, scripts["health"], args.seconds, args.connections))
                served.append(wrk(port, scripts["revocations"], args.seconds, args.connections))
                print(f"run {run + 1}: healthz {health[-1].rps:.0f} req/s, "
                      f"revocations {served[-1].rps:.0f} req/s", flush=True)

    ratio = (statistics.median(x.rps for x in served)
             / statistics.median(x.rps for x in health))
    print(f"{args.licenses:,} licenses ({args.revoked:,} revoked, a {size:,}-byte document) on "
          f"SQLite, wrk -t1 -c{args.connections} -d{args.seconds}s, 1 worker")
    print(describe("GET /healthz", health))
    print(describe("GET /v1/revocations", served))
    print(f"ratio revocations/healthz: {ratio:.2f}  (target >= {TARGET}) "
          + ("OK" if ratio >= TARGET else "MISSED"))
    errors = sum(x.errors for x in served + health)
    return 0 if ratio >= TARGET and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
