"""Online validation throughput against the ceiling, measured in the same run.

Target: `POST /v1/licenses/validate` served by `licensor serve` (one worker, SQLite, 2,000
licenses, random valid keys, wrk with 32 connections) ≥ 0.5 × a bare Starlette endpoint that
parses the same JSON and verifies one Ed25519 signature (bench/ceiling.py).

Run: .venv/bin/python bench/validate.py [--licenses 2000] [--seconds 10] [--runs 3]
Needs wrk: `apt-get install -y wrk`.

The two servers run alternately, `--runs` times each; the figures are the medians.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    Load,
    ceiling_server,
    check_answers,
    cpu_split,
    cpu_ticks,
    free_port,
    licensor_server,
    require_wrk,
    seed_licenses,
    write_bodies,
    wrk,
)

TARGET = 0.5


def describe(name: str, loads: list[Load]) -> str:
    return (f"{name:<26} median {statistics.median(l.rps for l in loads):8.0f} req/s  "
            f"p50 {statistics.median(l.p50_ms for l in loads):6.2f} ms  "
            f"p99 {statistics.median(l.p99_ms for l in loads):6.2f} ms  runs: "
            + ", ".join(f"{l.rps:.0f}" for l in loads)
            + (f"  ERRORS {sum(l.errors for l in loads)}" if any(l.errors for l in loads) else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--licenses", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--server", default="auto",
                        help="licensor serve --server: auto, uvicorn, gunicorn or granian")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    require_wrk()

    with tempfile.TemporaryDirectory(prefix="licensor-bench-") as tmp:
        home = Path(tmp)
        url = f"sqlite:///{home / 'licensor.db'}"
        bodies = seed_licenses(home, url, args.licenses, sample=args.licenses)
        bodies_file, script = write_bodies(bodies, home)
        ceiling, served = [], []
        for run in range(args.runs):
            port = free_port()
            with ceiling_server(bodies_file, port, home, url):
                check_answers(port, bodies)
                wrk(port, script, 2, args.connections)  # warm up
                ceiling.append(wrk(port, script, args.seconds, args.connections))
            port = free_port()
            with licensor_server(home, url, port, args.workers, args.server) as proc:
                check_answers(port, bodies)
                wrk(port, script, 2, args.connections)
                before = cpu_ticks(proc.pid)
                served.append(wrk(port, script, args.seconds, args.connections))
                split = cpu_split(before, cpu_ticks(proc.pid))
            print(f"run {run + 1}: ceiling {ceiling[-1].rps:.0f} req/s, "
                  f"licensor {served[-1].rps:.0f} req/s, CPU ticks per process {split}",
                  flush=True)

    ratio = (statistics.median(s.rps for s in served)
             / statistics.median(c.rps for c in ceiling))
    print(f"{args.licenses:,} licenses on SQLite, wrk -t1 -c{args.connections} "
          f"-d{args.seconds}s, random valid keys, {args.workers} worker(s), "
          f"--server {args.server}")
    print(describe("ceiling (Starlette+verify)", ceiling))
    print(describe("licensor validate", served))
    print(f"ratio licensor/ceiling: {ratio:.2f}  (target >= {TARGET}) "
          + ("OK" if ratio >= TARGET else "MISSED"))
    errors = sum(s.errors for s in served + ceiling)
    return 0 if ratio >= TARGET and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
