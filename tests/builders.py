"""Small builders for tests (no factory framework): create_<entity> with sensible defaults."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from licensor.catalog import service as catalog
from licensor.core.context import Context
from licensor.core.db import Database
from licensor.core.money import Money
from licensor.core.payments import Charge, PaymentSource, Refund
from licensor.core.payments_sandbox import SandboxProcessor
from licensor.licenses import service as licenses
from licensor.licenses.models import LicenseRow


def create_license(ctx: Context, *, product: str = "desktop", seats: int | None = 3,
                   license_name: str = "Acme Inc", email: str = "buyer@acme.test",
                   now: datetime | None = None, **kw: Any) -> LicenseRow:
    with ctx.db.transaction() as session:
        moment = now or ctx.clock.now(session)
        row = licenses.issue_license(ctx, session, product=catalog.get_product(session, product),
                                     seats=seats, license_name=license_name, email=email,
                                     now=moment, actor="test", **kw)
    return row


def license_info(row: LicenseRow) -> dict[str, str]:
    return {"license_name": row.license_name, "license_key": row.license_key}


# -- money ------------------------------------------------------------------------------------

def usd(cents: int) -> Money:
    return Money(cents, "USD")


def usd_json(cents: int) -> dict[str, Any]:
    """Money as the API writes it: {"amount": 8900, "currency": "USD"}."""
    return {"amount": cents, "currency": "USD"}


# -- through the API --------------------------------------------------------------------------

def info(lic: dict[str, Any]) -> dict[str, str]:
    """The License Information of a license as the API answers it."""
    return {"license_name": lic["license_name"], "license_key": lic["license_key"]}


def issue(client: TestClient, admin: dict[str, str], **body: Any) -> dict[str, Any]:
    """POST /v1/licenses (desktop, 3 seats, Acme Inc unless told); the created license."""
    payload = {"product": "desktop", "seats": 3, "license_name": "Acme Inc",
               "email": "buyer@acme.test", **body}
    r = client.post("/v1/licenses", json=payload, headers=admin)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def outbox(client: TestClient, admin: dict[str, str], to: str) -> list[dict[str, Any]]:
    """The sandbox outbox's mails to `to`."""
    r = client.get("/v1/sandbox/outbox", params={"to": to}, headers=admin)
    assert r.status_code == 200, r.text
    mails: list[dict[str, Any]] = r.json()["data"]
    return mails


def set_clock(client: TestClient, admin: dict[str, str], now: str) -> None:
    """Put the sandbox clock at `now` (RFC 3339)."""
    r = client.put("/v1/sandbox/clock", json={"now": now}, headers=admin)
    assert r.status_code == 200, r.text


class RecordingProcessor(SandboxProcessor):
    """The sandbox payment processor, remembering every charge and refund (thread-safe)."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.lock = threading.Lock()
        self.charges: list[Charge] = []
        self.refunds: list[str] = []  # ids of the refunded charges

    @property
    def charge_ids(self) -> list[str]:
        return [c.id for c in self.charges]

    def charge(self, amount: Money, source: PaymentSource, *, description: str,
               idempotency_key: str, metadata: dict[str, str]) -> Charge:
        charge = super().charge(amount, source, description=description,
                              idempotency_key=idempotency_key, metadata=metadata)
        with self.lock:
            self.charges.append(charge)
        return charge

    def refund(self, charge_id: str, amount: Money, *, idempotency_key: str) -> Refund:
        with self.lock:
            self.refunds.append(charge_id)
        return super().refund(charge_id, amount, idempotency_key=idempotency_key)


def race(n: int, work: Callable[[int], Any], *, timeout: float = 60) -> list[Any]:
    """Run work(0..n-1) in n threads released together (a barrier); their results, or the
    exception each raised, in order: what racing requests each got."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 -- reported in the results, asserted
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    return results
