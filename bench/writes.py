"""Writes: orders per second on PostgreSQL, and where the audit chain puts their ceiling.

Every state change appends to one hash chain (core/audit.py), whose head is a single row
locked FOR UPDATE until the transaction commits: every write transaction queues on it. This
measures, on a database of its own (dropped afterwards):

1. orders per second through the API: `licensor serve --workers N` (2 by default), `--clients`
   threads each buying a license in a loop (POST /v1/quotes, POST /v1/orders, POST
   /v1/orders/{id}/pay with the sandbox card), and the audit entries each order writes;
2. the chain alone: transactions that only append one audit entry (audit.record) and commit,
   from 1 and from `--clients` connections at once. Their rate from many connections is the
   most write transactions per second the chain lets through, whatever else they do.

Run: .venv/bin/python bench/writes.py [--url postgresql+psycopg://root@127.0.0.1:5432/postgres]
     [--workers 2] [--clients 16] [--seconds 15] [--runs 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import free_port, licensor_server

BUYER = {"name": "Jo", "email": "jo@acme.test", "company": "Acme"}


def buy(http: httpx.Client) -> None:
    quote = http.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 3})
    quote.raise_for_status()
    order = http.post("/v1/orders", json={"quote_id": quote.json()["id"],
                                          "payment_method": "card", "buyer": BUYER})
    order.raise_for_status()
    paid = http.post(f"/v1/orders/{order.json()['id']}/pay", json={"card_token": "tok_visa"})
    paid.raise_for_status()


def closed_loop(work: object, clients: int, seconds: float) -> tuple[int, int, list[float]]:
    """`clients` threads calling work(i) until `seconds` pass: (done, failed, latencies)."""
    deadline = time.monotonic() + seconds
    done, failed, lock, latencies = [0], [0], threading.Lock(), []

    def run(i: int) -> None:
        while time.monotonic() < deadline:
            began = time.perf_counter()
            try:
                work(i)  # type: ignore[operator]
            except Exception as exc:  # noqa: BLE001 -- counted and shown once
                with lock:
                    failed[0] += 1
                    if failed[0] == 1:
                        print(f"  first failure: {exc!r}", flush=True)
                continue
            with lock:
                done[0] += 1
                latencies.append(time.perf_counter() - began)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0], failed[0], latencies


def audit_count(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = int(conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one())
    engine.dispose()
    return n


def orders_per_second(url: str, args: argparse.Namespace, home: Path) -> None:
    port = free_port()
    with licensor_server(home, url, port, args.workers, args.server):
        clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
                   for _ in range(args.clients)]
        closed_loop(lambda i: buy(clients[i]), args.clients, 3)  # warm up
        for run in range(args.runs):
            before = audit_count(url)
            done, failed, lat = closed_loop(lambda i: buy(clients[i]), args.clients,
                                            args.seconds)
            entries = audit_count(url) - before
            lat.sort()
            print(f"run {run + 1}: {done / args.seconds:7.1f} orders/s ({done} in "
                  f"{args.seconds} s, {failed} failed), {entries / max(done, 1):.1f} audit "
                  f"entries per order, order p50 {1000 * statistics.median(lat):.0f} ms, "
                  f"p99 {1000 * lat[int(len(lat) * 0.99) - 1]:.0f} ms", flush=True)
        for c in clients:
            c.close()


def chain_alone(url: str, connections: int, seconds: float) -> float:
    """Audit entries per second when each transaction appends one and commits."""
    from licensor.core import audit
    from licensor.core.db import Database

    db = Database(url)
    now = datetime.now(UTC)

    def append(i: int) -> None:
        with db.transaction() as session:
            audit.record(session, actor="bench", action="bench.write", entity_type="bench",
                         entity_id=str(i), before=None, after={"n": i}, now=now)

    done, failed, _ = closed_loop(append, connections, seconds)
    db.dispose()
    assert failed == 0, f"{failed} appends failed"
    return done / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="postgresql+psycopg://root@127.0.0.1:5432/postgres")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--server", default="auto")
    args = parser.parse_args()

    base = make_url(args.url)
    name = f"licensor_writes_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    os.environ["BENCH_RATE_LIMITS"] = "off"  # one client address buys all day
    try:
        with tempfile.TemporaryDirectory(prefix="licensor-writes-") as tmp:
            print(f"1. orders through the API: {args.workers} worker(s), {args.clients} "
                  f"clients, runs of {args.seconds} s", flush=True)
            orders_per_second(url, args, Path(tmp))
        print("2. the audit chain alone (one append per transaction):", flush=True)
        for connections in (1, args.clients):
            rates = [chain_alone(url, connections, min(args.seconds, 10))
                     for _ in range(args.runs)]
            print(f"   {connections:>2} connection(s): "
                  + ", ".join(f"{r:.0f}" for r in rates) + " appends/s", flush=True)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
