"""Bulk import and bulk issue of 100,000 licenses on SQLite, and a resume after an interruption.

Target: `licensor licenses import FILE.csv` and `licensor licenses bulk-issue FILE.csv` of
100,000 rows each in under 60 s (the command end to end, as a vendor runs it). Then the
import of a third file is interrupted (SIGINT) part-way and run again: it must resume and end
with exactly one license per row.

Run: .venv/bin/python bench/bulk.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, VENV_BIN, licensor_env

TARGET_S = 60.0


def write_csv(path: Path, rows: int, *, dated: bool, tag: str) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("product,seats,license_name,email,sen,purchased_at,maintenance_until\n")
        for i in range(rows):
            when = f"2025-{i % 12 + 1:02d}-{i % 28 + 1:02d}" if dated else ""
            fh.write(f"desktop,{i % 50 + 1},{tag} Customer {i} GmbH,buyer{i}@{tag}.example,,"
                     f"{when},\n")


def licensor(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([str(VENV_BIN / "licensor"), *args], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(prefix="licensor-bench-") as tmp:
        home = Path(tmp)
        db = home / "licensor.db"
        env = licensor_env(home, f"sqlite:///{db}")
        licensor(["db", "upgrade"], env)
        licensor(["licenses", "list", "--limit", "1"], env)  # first start: catalog, signing key
        imported, issued, resumed = (home / "import.csv", home / "issue.csv",
                                     home / "resume.csv")
        write_csv(imported, args.rows, dated=True, tag="imported")
        write_csv(issued, args.rows, dated=False, tag="issued")
        write_csv(resumed, args.rows, dated=True, tag="resumed")

        t_import = licensor(["licenses", "import", str(imported)], env)
        t_issue = licensor(["licenses", "bulk-issue", str(issued)], env)

        proc = subprocess.Popen([str(VENV_BIN / "licensor"), "licenses", "import",
                                 str(resumed)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(min(t_import / 2, 15))
        proc.send_signal(signal.SIGINT)
        proc.wait()
        with sqlite3.connect(db) as conn:
            partial = conn.execute("SELECT COUNT(*) FROM licenses WHERE license_name LIKE "
                                   "'resumed %'").fetchone()[0]
        t_resume = licensor(["licenses", "import", str(resumed)], env)
        with sqlite3.connect(db) as conn:
            total, distinct = conn.execute(
                "SELECT COUNT(*), COUNT(DISTINCT license_name) FROM licenses "
                "WHERE license_name LIKE 'resumed %'").fetchone()
            per_batch = conn.execute("SELECT COUNT(*) FROM audit_log WHERE "
                                     "entity_type = 'import_job'").fetchone()[0]

    for name, seconds in (("import", t_import), ("bulk-issue", t_issue)):
        met = seconds < TARGET_S
        ok &= met
        print(f"{name:<11} {args.rows:,} rows: {seconds:6.1f} s  "
              f"({args.rows / seconds:,.0f} licenses/s; target < {TARGET_S:.0f} s) "
              + ("OK" if met else "MISSED"))
    print(f"interrupted import: {partial:,} rows committed before SIGINT; the rerun took "
          f"{t_resume:.1f} s and ended with {total:,} licenses ({distinct:,} distinct) "
          + ("OK" if total == distinct == args.rows else "DUPLICATES OR MISSING"))
    print(f"audit entries for the three files: {per_batch} (one per batch of 1,000 rows)")
    ok &= total == distinct == args.rows
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
