"""How long the CLI takes to start: each command's wall time against `python -c pass` measured
in the same run (the machine is shared, so the baseline says how loaded it was).

Target: every command below in < 0.3 s wall (docs/performance.md, "The CLI"). The commands run
on a prepared SQLite database of their own (one license, for `licenses verify --offline`);
each is run `--runs` times, alternating with the baseline, and the minimum and the median wall
time and the median user + system CPU are printed.

Run: .venv/bin/python bench/cli.py [--runs 9]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 0.3
VENV_BIN = Path(sys.executable).parent


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run, which must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    licensor = str(VENV_BIN / "licensor")
    with tempfile.TemporaryDirectory(prefix="licensor-cli-bench-") as tmp:
        env = {**os.environ, "LICENSOR_HOME": tmp, "LICENSOR_SANDBOX": "1",
               "LICENSOR_DATABASE_URL": f"sqlite:///{tmp}/licensor.db"}
        env.pop("LICENSOR_RATE_LIMITS", None)
        issued = json.loads(subprocess.run(
            [licensor, "licenses", "issue", "desktop", "--seats", "1", "--name", "Bench Ltd",
             "--email", "bench@example.test"], env=env, check=True, capture_output=True,
            text=True).stdout)
        commands: dict[str, list[str]] = {
            "python -c pass (baseline)": [sys.executable, "-c", "pass"],
            "licensor --help": [licensor, "--help"],
            "licensor clock show": [licensor, "clock", "show"],
            "licensor keys list": [licensor, "keys", "list"],
            "licensor licenses verify --offline": [
                licensor, "licenses", "verify", "--offline", "--name", issued["license_name"],
                "--key", issued["license_key"]],
        }
        walls: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        for name, command in commands.items():  # once each, untimed: caches warm alike
            timed(command, env)
        for _ in range(args.runs):
            for name, command in commands.items():
                wall, cpu = timed(command, env)
                walls[name].append(wall)
                cpus[name].append(cpu)
    print(f"{args.runs} runs each, alternating; load average {os.getloadavg()[0]:.1f} at the end")
    print(f"{'command':<38} {'wall min':>9} {'median':>8} {'CPU median':>11}")
    met = True
    for name in commands:
        low, mid = min(walls[name]), statistics.median(walls[name])
        ok = name.startswith("python") or mid < TARGET
        met = met and ok
        print(f"{name:<38} {low:8.3f}s {mid:7.3f}s {statistics.median(cpus[name]):10.3f}s"
              + ("" if ok else "  over the target"))
    print(f"target: every command's median wall < {TARGET} s: " + ("OK" if met else "MISSED"))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
