"""Online validation throughput against the ceiling, measured in the same run.

Target: `POST /v1/licenses/validate` served by `licensor serve` (one worker, SQLite, 2,000
licenses, random valid keys, wrk with 32 connections) ≥ 0.8 × a bare Starlette endpoint that
parses the same JSON, verifies one Ed25519 signature and signs its answer (bench/ceiling.py),
with p99 ≤ 1.5 × the ceiling's; with the rate limits off and, reported apart, on (their
defaults) with the traffic coming from `--addresses` clients named in X-Forwarded-For by a
trusted proxy (LICENSOR_TRUSTED_PROXIES=127.0.0.1), so that none is limited.

Run: .venv/bin/python bench/validate.py [--licenses 2000] [--seconds 10] [--runs 3]
     [--limits off,on] [--addresses 2000]
Needs wrk: `apt-get install -y wrk`.

The servers run alternately, `--runs` times each; the figures are the medians.
"""

from __future__ import annotations

import argparse
import os
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

TARGET = 0.8
P99_TARGET = 1.5


def describe(name: str, loads: list[Load]) -> str:
    return (f"{name:<26} median {statistics.median(l.rps for l in loads):8.0f} req/s  "
            f"p50 {statistics.median(l.p50_ms for l in loads):6.2f} ms  "
            f"p99 {statistics.median(l.p99_ms for l in loads):6.2f} ms  runs: "
            + ", ".join(f"{l.rps:.0f}" for l in loads)
            + (f"  ERRORS {sum(l.errors for l in loads)}" if any(l.errors for l in loads) else ""))


def per_request_us(before: dict[int, int], after: dict[int, int], load: Load) -> float:
    """The server's CPU (user + system, all its processes) per request answered, in µs."""
    ticks = sum(after.values()) - sum(before.get(pid, 0) for pid in after)
    return ticks / os.sysconf("SC_CLK_TCK") * 1e6 / max(load.requests, 1)


def limits_env(mode: str) -> dict[str, str]:
    if mode == "off":
        return {"LICENSOR_RATE_LIMITS": "off"}
    return {"LICENSOR_RATE_LIMITS": "", "LICENSOR_TRUSTED_PROXIES": "127.0.0.1"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--licenses", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--server", default="auto",
                        help="licensor serve --server: auto, uvicorn, gunicorn or granian")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--limits", default="off,on", help="off, on, or both: off,on")
    parser.add_argument("--addresses", type=int, default=2000,
                        help="client addresses with the limits on (X-Forwarded-For)")
    args = parser.parse_args()
    require_wrk()
    modes = args.limits.split(",")

    with tempfile.TemporaryDirectory(prefix="licensor-bench-") as tmp:
        home = Path(tmp)
        url = f"sqlite:///{home / 'licensor.db'}"
        bodies = seed_licenses(home, url, args.licenses, sample=args.licenses)
        bodies_file, plain = write_bodies(bodies, home)
        _, forwarded = write_bodies(bodies, home, args.addresses)
        ceiling: list[Load] = []
        served: dict[str, list[Load]] = {mode: [] for mode in modes}
        cpu: dict[str, list[float]] = {mode: [] for mode in ["ceiling", *modes]}
        for run in range(args.runs):
            port = free_port()
            with ceiling_server(bodies_file, port, home, url) as proc:
                check_answers(port, bodies)
                wrk(port, plain, 2, args.connections)  # warm up
                before = cpu_ticks(proc.pid)
                ceiling.append(wrk(port, plain, args.seconds, args.connections))
                cpu["ceiling"].append(per_request_us(before, cpu_ticks(proc.pid), ceiling[-1]))
            line = (f"run {run + 1}: ceiling {ceiling[-1].rps:.0f} req/s "
                    f"({cpu['ceiling'][-1]:.0f} µs CPU/req)")
            for mode in modes:
                script = plain if mode == "off" else forwarded
                port = free_port()
                with licensor_server(home, url, port, args.workers, args.server,
                                     limits_env(mode)) as proc:
                    check_answers(port, bodies)
                    wrk(port, script, 2, args.connections)
                    before = cpu_ticks(proc.pid)
                    served[mode].append(wrk(port, script, args.seconds, args.connections))
                    after = cpu_ticks(proc.pid)
                    split = cpu_split(before, after)
                    cpu[mode].append(per_request_us(before, after, served[mode][-1]))
                line += (f", limits {mode} {served[mode][-1].rps:.0f} req/s "
                         f"({cpu[mode][-1]:.0f} µs CPU/req; CPU ticks {split})")
            print(f"{line}, load average {os.getloadavg()[0]:.1f}", flush=True)

    print(f"{args.licenses:,} licenses on SQLite, wrk -t1 -c{args.connections} "
          f"-d{args.seconds}s, random valid keys, {args.workers} worker(s), "
          f"--server {args.server}, limits on: {args.addresses:,} client addresses")
    print(describe("ceiling (Starlette+verify+sign)", ceiling))
    met = True
    for mode in modes:
        print(describe(f"licensor, limits {mode}", served[mode]))
        ratio = (statistics.median(s.rps for s in served[mode])
                 / statistics.median(c.rps for c in ceiling))
        p99 = (statistics.median(s.p99_ms for s in served[mode])
               / statistics.median(c.p99_ms for c in ceiling))
        ok = ratio >= TARGET and p99 <= P99_TARGET
        print(f"limits {mode}: server CPU per request, medians: ceiling "
              f"{statistics.median(cpu['ceiling']):.0f} µs, licensor "
              f"{statistics.median(cpu[mode]):.0f} µs: ratio "
              f"{statistics.median(cpu['ceiling']) / statistics.median(cpu[mode]):.2f} "
              "(what the req/s ratio is on a machine with a core to spare for each)")
        met = met and ok
        print(f"limits {mode}: ratio licensor/ceiling {ratio:.2f} (target >= {TARGET}), p99 "
              f"{p99:.2f} x the ceiling's (target <= {P99_TARGET}) "
              + ("OK" if ok else "MISSED"))
    errors = sum(s.errors for loads in served.values() for s in loads + ceiling)
    return 0 if met and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
