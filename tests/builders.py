"""Small builders for tests (no factory framework): create_<entity> with sensible defaults."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

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
        made = super().charge(amount, source, description=description,
                              idempotency_key=idempotency_key, metadata=metadata)
        with self.lock:
            self.charges.append(made)
        return made

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
