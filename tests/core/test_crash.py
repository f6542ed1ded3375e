"""SIGKILL in the middle of card orders and plan changes loses and doubles no money.

The real server runs as a subprocess on PostgreSQL with two workers. Threads pay card orders
and change plans, each request with its own Idempotency-Key, retried (as a client would)
until it gets a final answer; the server is killed at a random moment and restarted. Then the
sandbox processor's ledger and Licensor's orders and invoices must reconcile: every live
charge belongs to exactly one fulfilled order or paid invoice, nothing is charged twice, and
no fulfilled card order or paid invoice lacks its charge.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from licensor.core.context import Context
from tests.conftest import ADMIN, PG_URL
from tests.core.server import Server

ROUNDS = 3
ORDERS_PER_ROUND = 16
SITES = 4
PLAN_STEPS = [{"plan": "medium"}, {"plan": "large"}, {"interval": "year"}]
RETRYABLE = {"IDEMPOTENCY_KEY_IN_USE", "PAYMENT_IN_PROGRESS"}

pytestmark = pytest.mark.skipif(not PG_URL, reason="the crash test runs on PostgreSQL "
                                "(LICENSOR_TEST_DATABASE_URL; CI runs the suite on both)")


@dataclass
class Job:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    answer: httpx.Response | None = None
    tries: int = 0


def final_answer(base: str, job: Job, deadline: float) -> None:
    """Send until the answer is final: a success or a coded refusal that is not 'in progress'
    (connection refused, reset, or a 5xx while the server is down or restarting: retry)."""
    headers = {**job.headers, "Idempotency-Key": job.key}
    while time.monotonic() < deadline:
        job.tries += 1
        try:
            r = httpx.post(base + job.path, json=job.body, headers=headers, timeout=20)
        except httpx.HTTPError:
            time.sleep(0.2)
            continue
        code = r.json().get("error", {}).get("code") if r.status_code >= 400 else None
        if r.status_code < 500 and code not in RETRYABLE:
            job.answer = r
            return
        time.sleep(0.2)


def pages(http: httpx.Client, path: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        r = http.get(path, params=params, headers=headers)
        assert r.status_code == 200, r.text
        items += r.json()["data"]
        cursor = r.json()["next_cursor"]
        if not cursor:
            return items


def setup_sites(http: httpx.Client) -> list[tuple[str, dict[str, str]]]:
    sites = []
    for i in range(SITES):
        r = http.post("/v1/accounts", json={"email": f"owner{i}@crash.test", "name": "Owner",
                                            "password": "correct horse battery"})
        assert r.status_code == 201, r.text
        owner = {"Authorization": f"Bearer {r.json()['token']}"}
        site = http.post("/v1/sites", json={"name": f"Site {i}"}, headers=owner).json()
        sub = http.post("/v1/subscriptions", headers=owner, json={
            "site_id": site["id"], "plan": "small", "interval": "month",
            "card_token": "tok_visa"})
        assert sub.status_code == 201, sub.text
        sites.append((sub.json()["id"], owner))
    return sites


def new_orders(http: httpx.Client, n: int) -> list[str]:
    ids = []
    for _ in range(n):
        quote = http.post("/v1/quotes", json={"kind": "new", "product": "desktop",
                                              "seats": random.randint(1, 5)}).json()
        order = http.post("/v1/orders", json={
            "quote_id": quote["id"], "payment_method": "card",
            "buyer": {"name": "Ann", "email": "ann@crash.test"}})
        assert order.status_code == 201, order.text
        ids.append(order.json()["id"])
    return ids


def crash_round(server: Server, jobs: list[Job]) -> int:
    """Run the jobs from 6 threads; SIGKILL the server once a random number of them (up to
    half) got their answer, so requests are in flight; restart it. Returns that number."""
    deadline = time.monotonic() + 150
    pending = list(jobs)
    lock = threading.Lock()
    answered = threading.Semaphore(0)

    def worker() -> None:
        while True:
            with lock:
                if not pending:
                    return
                job = pending.pop()
            final_answer(server.base, job, deadline)
            answered.release()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    moment = random.randint(0, len(jobs) // 2)
    for _ in range(moment):
        answered.acquire(timeout=30)
    server.kill()
    time.sleep(0.3)
    server.start()
    for t in threads:
        t.join(timeout=200)
    return moment


@pytest.mark.server
@pytest.mark.slow
def test_sigkill_during_payments_loses_and_doubles_nothing(ctx: Context, tmp_path) -> None:
    server = Server(ctx, tmp_path, workers=2)
    server.start()
    figures: dict[str, Any] = {"rounds": []}
    try:
        http = httpx.Client(base_url=server.base, timeout=30)
        sites = setup_sites(http)
        all_jobs: list[Job] = []
        for round_ in range(ROUNDS):
            jobs = [Job(f"/v1/orders/{oid}/pay", {"card_token": "tok_visa"}, {})
                    for oid in new_orders(http, ORDERS_PER_ROUND)]
            jobs += [Job(f"/v1/subscriptions/{sid}/change", PLAN_STEPS[round_], owner)
                     for sid, owner in sites]
            random.shuffle(jobs)
            moment = crash_round(server, jobs)
            unanswered = [j.path for j in jobs if j.answer is None]
            assert unanswered == [], f"no final answer within the deadline: {unanswered}"
            figures["rounds"].append({
                "killed_after_answers": moment,
                "refusals": dict(Counter(j.answer.json()["error"]["code"] for j in jobs
                                         if j.answer is not None
                                         and j.answer.status_code >= 400)),
                "answers": dict(Counter(str(j.answer.status_code) for j in jobs
                                        if j.answer is not None)),
                "tries": sum(j.tries for j in jobs)})
            all_jobs += jobs
        reconcile(http, sites, all_jobs, figures)
    finally:
        server.stop()
    print(json.dumps(figures, indent=1))  # the figures of the run (pytest -s shows them)


def reconcile(http: httpx.Client, sites: list[tuple[str, dict[str, str]]], jobs: list[Job],
              figures: dict[str, Any]) -> None:
    charges = pages(http, "/v1/sandbox/charges", ADMIN)
    live = {c["id"]: c for c in charges if c["status"] == "succeeded"}
    orders = {o["id"]: o for o in pages(http, "/v1/orders", ADMIN)}
    invoices = {}
    for sid, owner in sites:
        for inv in pages(http, f"/v1/subscriptions/{sid}/invoices", owner):
            invoices[(sid, str(inv["number"]))] = inv
    # Every live charge belongs to exactly one fulfilled order or paid invoice.
    per_order = Counter(c["metadata"].get("order_id") for c in live.values()
                        if c["metadata"].get("order_id"))
    per_invoice = Counter((c["metadata"].get("subscription_id"),
                           c["metadata"].get("invoice_number")) for c in live.values()
                          if c["metadata"].get("subscription_id"))
    assert max(per_order.values(), default=0) == 1, "an order was charged twice"
    assert max(per_invoice.values(), default=0) == 1, "an invoice was charged twice"
    for charge in live.values():
        meta = charge["metadata"]
        if meta.get("order_id"):
            order = orders[meta["order_id"]]
            assert order["status"] == "fulfilled" and order["charge_id"] == charge["id"], \
                (charge, order["status"], order["charge_id"])
        else:
            inv = invoices.get((meta["subscription_id"], meta["invoice_number"]))
            assert inv is not None and inv["charge_id"] == charge["id"], (charge, inv)
    # No fulfilled card order and no paid invoice lacks its charge.
    for order in orders.values():
        if order["status"] == "fulfilled" and order["total"]["amount"] > 0:
            assert order["charge_id"] in live, order
    for inv in invoices.values():
        if inv["amount_paid"]["amount"] > 0:
            assert inv["charge_id"] in live, inv
    # A successful answer was never a lie.
    for job in jobs:
        assert job.answer is not None
        if job.path.startswith("/v1/orders/") and job.answer.status_code == 200:
            assert orders[job.path.split("/")[3]]["status"] == "fulfilled"
    figures.update({
        "charges": len(charges), "live_charges": len(live),
        "refunded_charges": len(charges) - len(live),
        "fulfilled_orders": sum(o["status"] == "fulfilled" for o in orders.values()),
        "orders": len(orders), "invoices": len(invoices),
        "orders_charged_twice": sum(n > 1 for n in per_order.values()),
        "invoices_charged_twice": sum(n > 1 for n in per_invoice.values())})
