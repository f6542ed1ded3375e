"""How evenly `licensor serve --workers 2` spreads keep-alive connections over its workers.

wrk opens its connections once and keeps them, so whichever worker accepts a connection serves
all of its requests. Each round starts a fresh server, runs wrk briefly, and reads the CPU
ticks each process spent: an even split is ~50 % for the busiest worker, 100 % means one worker
did everything while the other core idled.

Run: .venv/bin/python bench/balance.py [--servers uvicorn,gunicorn,granian] [--rounds 6]
     [--seconds 3]
Needs wrk (`apt-get install -y wrk`).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    cpu_split,
    cpu_ticks,
    free_port,
    licensor_server,
    require_wrk,
    seed_licenses,
    write_bodies,
    wrk,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--servers", default="uvicorn,gunicorn,granian")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    require_wrk()
    servers = args.servers.split(",")
    shares: dict[str, list[float]] = {s: [] for s in servers}
    rates: dict[str, list[float]] = {s: [] for s in servers}
    with tempfile.TemporaryDirectory(prefix="licensor-bench-") as tmp:
        home = Path(tmp)
        url = f"sqlite:///{home / 'licensor.db'}"
        bodies = seed_licenses(home, url, 2000, sample=2000)
        _, script = write_bodies(bodies, home)
        for round_ in range(args.rounds):
            for server in servers:  # alternate, so the machine's load hits each alike
                port = free_port()
                with licensor_server(home, url, port, args.workers, server) as proc:
                    before = cpu_ticks(proc.pid)
                    load = wrk(port, script, args.seconds, args.connections)
                    split = cpu_split(before, cpu_ticks(proc.pid))[:args.workers]
                share = split[0] / max(1, sum(split))
                shares[server].append(share)
                rates[server].append(load.rps)
                print(f"round {round_ + 1} {server:<9} {load.rps:7.0f} req/s  worker ticks "
                      f"{split}  busiest {share:.0%}", flush=True)
    print(f"\n{args.workers} workers, wrk -t1 -c{args.connections} -d{args.seconds}s, "
          f"{args.rounds} fresh servers each")
    print(f"{'server':<9} {'req/s median':>12} {'busiest worker: median':>23} {'worst':>6}")
    for server in servers:
        print(f"{server:<9} {statistics.median(rates[server]):12.0f} "
              f"{statistics.median(shares[server]):23.0%} {max(shares[server]):6.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
