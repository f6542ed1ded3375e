"""Validation at scale: 1,000,000 licenses in PostgreSQL, 1 and 2 `licensor serve` workers.

Targets: validate p99 latency < 10 ms with 1,000,000 licenses, and throughput that grows with
`--workers`. Creates its own PostgreSQL database (dropped afterwards), seeds it with COPY of
pre-signed License Keys, then runs wrk (random valid keys among 20,000 sampled licenses)
against `licensor serve --workers N`.

Run: .venv/bin/python bench/scale.py [--url postgresql+psycopg://root@127.0.0.1:5432/postgres]
     [--licenses 1000000] [--seconds 10] [--runs 3]
Needs wrk (`apt-get install -y wrk`) and a PostgreSQL server that the URL's user may create
databases on.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

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

P99_TARGET_MS = 10.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="postgresql+psycopg://root@127.0.0.1:5432/postgres")
    parser.add_argument("--licenses", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--low-connections", type=int, default=8,
                        help="a second, lighter load for latency below saturation")
    parser.add_argument("--server", default="auto",
                        help="licensor serve --server: auto, uvicorn, gunicorn or granian")
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    require_wrk()

    base = make_url(args.url)
    name = f"licensor_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    results: dict[tuple[int, int], list[Load]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="licensor-bench-") as tmp:
            home = Path(tmp)
            bodies = seed_licenses(home, url, args.licenses, sample=20_000)
            bodies_file, script = write_bodies(bodies, home)
            workers = [int(w) for w in args.workers.split(",")]
            for run in range(args.runs):
                # For reference: the bare Starlette+verify ceiling (one process, no database).
                port = free_port()
                with ceiling_server(bodies_file, port, home, url):
                    wrk(port, script, 2, args.connections)
                    for conns in (args.connections, args.low_connections):
                        load = wrk(port, script, args.seconds, conns)
                        results.setdefault((0, conns), []).append(load)
                for n in workers:
                    port = free_port()
                    with licensor_server(home, url, port, n, args.server) as proc:
                        check_answers(port, bodies)
                        wrk(port, script, 2, args.connections)  # warm up every worker
                        for conns in (args.connections, args.low_connections):
                            before = cpu_ticks(proc.pid)
                            load = wrk(port, script, args.seconds, conns)
                            split = cpu_split(before, cpu_ticks(proc.pid))
                            results.setdefault((n, conns), []).append(load)
                            print(f"run {run + 1}: {n} worker(s), {conns} connections: "
                                  f"{load.rps:.0f} req/s, p50 {load.p50_ms:.2f} ms, "
                                  f"p99 {load.p99_ms:.2f} ms, CPU ticks per process {split}",
                                  flush=True)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    print(f"\n{args.licenses:,} licenses on PostgreSQL; wrk -t1 -d{args.seconds}s, random valid "
          f"keys; medians of {args.runs} runs; --server {args.server}")
    print("workers 0 = the ceiling (bench/ceiling.py: Starlette + one Ed25519 verify, no DB)")
    print(f"{'workers':>7} {'connections':>11} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}  errors")
    for (n, conns), loads in sorted(results.items()):
        print(f"{n if n else 'ceiling':>7} {conns:>11} {statistics.median(x.rps for x in loads):>8.0f} "
              f"{statistics.median(x.p50_ms for x in loads):>7.2f} "
              f"{statistics.median(x.p99_ms for x in loads):>7.2f}  "
              f"{sum(x.errors for x in loads)}")
    one = statistics.median(x.rps for x in results.get((1, args.connections), []) or [Load(0, 0, 0, 0, 0)])
    two = statistics.median(x.rps for x in results.get((2, args.connections), []) or [Load(0, 0, 0, 0, 0)])
    if one and two:
        print(f"throughput 2 workers / 1 worker: {two / one:.2f}")
    p99s = {key: statistics.median(x.p99_ms for x in loads) for key, loads in results.items()
            if key[0]}
    met = {key: p99 < P99_TARGET_MS for key, p99 in p99s.items()}
    for key, ok in sorted(met.items()):
        print(f"p99 < {P99_TARGET_MS} ms with {key[0]} worker(s), {key[1]} connections: "
              + ("OK" if ok else f"MISSED ({p99s[key]:.2f} ms)"))
    return 0 if all(met.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
