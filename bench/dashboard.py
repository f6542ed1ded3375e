"""The console dashboard's aggregate queries on 1,000,000 licenses, against a COUNT(*) of the
licenses measured in the same run.

Target: the whole dashboard (every figure of the last 12 months: revenue per month and kind, new
licenses and upgrades per month, active subscriptions and MRR, open invoices, pending
migrations, failed mail) within 20 x one COUNT(*) of the licenses table (the page stays well
under a second on SQLite). COUNT(*) reads the narrowest index of every license once; the
dashboard groups the last 12 months (half of the seeded history: ~500,000 licenses and ~150,000
orders) by month, read from covering time-range indexes (migration 0101), never the rows.

Seeds its own database: --licenses licenses over 24 months (15% of them upgrades replacing an
older one), --orders fulfilled orders (new, upgrade, renewal; 1 in 20 refunded), 2,000 invoice
orders awaiting payment, --subscriptions subscriptions with 6 invoices each. Rows are inserted
in bulk with placeholder License Keys: the dashboard never reads a key.

Run: .venv/bin/python bench/dashboard.py [--licenses 1000000] [--runs 7]
     [--url postgresql+psycopg://root@127.0.0.1:5432/postgres]  (a database of its own is made
     and dropped; SQLite in a temporary directory by default)
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

NOW = datetime(2027, 3, 4, 12, 0, tzinfo=UTC)
TARGET = 20.0
BATCH = 20_000


def _spread(rng: random.Random) -> datetime:
    return NOW - timedelta(seconds=rng.randrange(0, 730 * 86400))


def _batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def seed(ctx: Any, licenses: int, orders: int, subscriptions: int) -> None:
    from licensor.accounts.models import AccountRow
    from licensor.licenses.models import LicenseRow
    from licensor.orders.models import OrderRow, QuoteRow
    from licensor.subscriptions.models import InvoiceRow, SubscriptionRow

    rng = random.Random(13)

    def license_rows() -> Iterator[dict[str, Any]]:
        previous = None
        for i in range(licenses):
            at = _spread(rng)
            upgrade = previous is not None and rng.random() < 0.15
            lid = f"lic_{uuid.UUID(int=rng.getrandbits(128)).hex}"
            yield {"id": lid, "product": "desktop", "seats": 1 + i % 50,
                   "license_name": f"Customer {i} Ltd", "license_key": "PLACEHOLDER",
                   "email": f"buyer{i}@example.test", "channel": "direct",
                   "status": "active", "kid": "00000000", "purchased_at": at,
                   "issued_at": at, "created_at": at, "maintenance_until": None,
                   "major_version": None, "version": 1,
                   "supersedes": previous if upgrade else None}
            previous = lid

    def quote_and_order_rows() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        for i in range(orders + 2000):
            open_invoice = i >= orders
            at = _spread(rng)
            kind = rng.choice(("new", "new", "upgrade", "renewal"))
            qid, oid = f"quo_{uuid.uuid4().hex}", f"ord_{uuid.uuid4().hex}"
            amount = rng.randrange(2000, 200_000)
            yield ({"id": qid, "kind": kind, "product": "desktop", "lines": [],
                    "total_amount": amount, "currency": "USD", "details": {},
                    "created_at": at, "expires_at": at + timedelta(days=30)},
                   {"id": oid, "number": f"LIC-{i + 1:08d}", "quote_id": qid, "kind": kind,
                    "product": "desktop",
                    "status": ("awaiting_payment" if open_invoice
                               else "refunded" if i % 20 == 0 else "fulfilled"),
                    "total_amount": amount, "currency": "USD",
                    "payment_method": "invoice" if open_invoice else "card",
                    "buyer": {}, "buyer_email": f"b{i}@example.test",
                    "due_at": at + timedelta(days=30) if open_invoice else None,
                    "created_at": at, "paid_at": None if open_invoice else at})

    started = time.perf_counter()
    with ctx.db.engine.begin() as conn:
        for batch in _batches(license_rows()):
            conn.execute(insert(LicenseRow.__table__), batch)
        pairs = list(quote_and_order_rows())
        for start in range(0, len(pairs), BATCH):
            chunk = pairs[start:start + BATCH]
            conn.execute(insert(QuoteRow.__table__), [q for q, _o in chunk])
            conn.execute(insert(OrderRow.__table__), [o for _q, o in chunk])
        conn.execute(insert(AccountRow.__table__), [{
            "id": "acc_bench", "email": "owner@example.test", "email_key": "owner@example.test",
            "name": "Owner", "password_hash": "x", "created_at": NOW}])
        subs, invoices = [], []
        for i in range(subscriptions):
            sid, interval = f"sub_{i}", rng.choice(("month", "year"))
            subs.append({"id": sid, "product": "google-drive", "owner_id": "acc_bench",
                         "google_id": f"g{i}@example.test", "plan": "standard",
                         "interval": interval,
                         "status": "active" if i % 5 else "canceled", "anchor": NOW,
                         "period_index": 0, "current_period_start": NOW,
                         "current_period_end": NOW + timedelta(days=30),
                         "cancel_at_period_end": False, "currency": "USD",
                         "basis_amount": 500 if interval == "month" else 5000,
                         "credit_balance": 0, "created_at": NOW})
            for n in range(6):
                invoices.append({"id": f"inv_{i}_{n}", "subscription_id": sid, "number": n + 1,
                                 "reason": "renewal", "lines": [], "currency": "USD",
                                 "net": 500, "credit_applied": 0, "amount_paid": 500,
                                 "created_at": _spread(rng)})
        for start in range(0, len(subs), BATCH):
            conn.execute(insert(SubscriptionRow.__table__), subs[start:start + BATCH])
        for start in range(0, len(invoices), BATCH):
            conn.execute(insert(InvoiceRow.__table__), invoices[start:start + BATCH])
    with ctx.db.engine.begin() as conn:
        if ctx.db.is_sqlite:
            conn.exec_driver_sql("ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE")
    print(f"seeded {licenses:,} licenses, {orders + 2000:,} orders, {subscriptions:,} "
          f"subscriptions in {time.perf_counter() - started:.1f} s")


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, list[float]]:
    fn()  # warm: the first run pays for cold pages, which neither side should
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--licenses", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=300_000)
    parser.add_argument("--subscriptions", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()

    from licensor.app import prepare
    from licensor.config import Settings
    from licensor.core.context import build_context
    from licensor.staff.dashboard import service as dashboard
    from licensor.staff.repository import DashboardRepository
    from licensor.staff.rules import first_moment, months_back

    with tempfile.TemporaryDirectory(prefix="licensor-bench-") as tmp:
        home = Path(tmp)
        dropper = None
        if args.url:
            base = make_url(args.url)
            name = f"licensor_bench_{uuid.uuid4().hex[:8]}"
            dropper = create_engine(base, isolation_level="AUTOCOMMIT")
            with dropper.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = base.set(database=name).render_as_string(hide_password=False)
        else:
            url = f"sqlite:///{home / 'licensor.db'}"
        os.environ.update({"LICENSOR_HOME": str(home), "LICENSOR_DATABASE_URL": url})
        ctx = build_context(Settings())
        try:
            prepare(ctx)
            seed(ctx, args.licenses, args.orders, args.subscriptions)
            since = first_moment(months_back(NOW)[0])

            def baseline() -> Any:
                with ctx.db.reader() as s:
                    return s.execute(text("SELECT COUNT(*) FROM licenses")).scalar()

            def whole() -> Any:
                with ctx.db.reader() as s:
                    return dashboard.build(s, NOW)

            def one(query: str) -> Callable[[], Any]:
                def run() -> Any:
                    with ctx.db.reader() as s:
                        repo = DashboardRepository(s)
                        if query in ("order_revenue", "subscription_revenue", "new_licenses"):
                            return getattr(repo, query)(since)
                        if query == "open_invoices":
                            return repo.open_invoices(NOW)
                        if query == "open_migrations":
                            return repo.open_migrations(("pending", "awaiting_upgrade"))
                        return getattr(repo, query)()
                return run

            base_ms, base_runs = timed(baseline, args.runs)
            dash_ms, dash_runs = timed(whole, args.runs)
            print(f"database: {ctx.db.engine.dialect.name}, {args.licenses:,} licenses, "
                  f"median of {args.runs} runs")
            print(f"baseline COUNT(*) licenses   {base_ms:9.2f} ms  runs: "
                  + ", ".join(f"{t:.1f}" for t in base_runs))
            print(f"whole dashboard (12 months)  {dash_ms:9.2f} ms  runs: "
                  + ", ".join(f"{t:.1f}" for t in dash_runs))
            for query in ("order_revenue", "subscription_revenue", "new_licenses",
                          "active_subscriptions", "open_invoices", "open_migrations",
                          "failed_mail"):
                ms, _runs = timed(one(query), args.runs)
                print(f"  {query:<26} {ms:9.2f} ms  ({ms / base_ms:.2f} x baseline)")
            ratio = dash_ms / base_ms
            print(f"ratio dashboard / COUNT(*): {ratio:.2f} (target < {TARGET:.0f}): "
                  + ("PASS" if ratio < TARGET else "FAIL"))
            return 0 if ratio < TARGET else 1
        finally:
            ctx.db.dispose()
            if dropper is not None:
                with dropper.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                dropper.dispose()


if __name__ == "__main__":
    sys.exit(main())
