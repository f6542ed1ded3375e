"""Refunds as durable attempts: every refusal before the processor is asked (a refused refund
returns no money), an unreachable processor changes nothing, a lost answer or a crash between
the processor's refund and Licensor's record is settled by reconciliation, and a refund made
in the processor's own dashboard marks the order refunded. Checked in the sandbox ledger."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from licensor.core import payments
from licensor.core.clock import wall_clock
from licensor.core.context import Context
from licensor.core.money import Money
from licensor.core.payment_models import PaymentAttemptRow
from licensor.core.payment_processor import Refund
from licensor.core.payments_sandbox import SandboxProcessor
from licensor.orders import refunds
from tests.conftest import ADMIN
from tests.orders.helpers import buy, error
from tests.payments.helpers import ledger, set_mode


def charge_of(client: TestClient, order: dict[str, Any]) -> dict[str, Any]:
    [charge] = [c for c in ledger(client) if c["id"] == order["charge_id"]]
    return charge


def refund(client: TestClient, order: dict[str, Any]) -> Any:
    return client.post(f"/v1/orders/{order['id']}/refund", headers=ADMIN)


def status(client: TestClient, order: dict[str, Any]) -> str:
    return str(client.get(f"/v1/orders/{order['id']}", headers=ADMIN).json()["status"])


def test_a_refused_refund_returns_no_money(client: TestClient) -> None:
    first = buy(client, kind="new", product="desktop", seats=1)
    lic = first["licenses"][0]
    buy(client, kind="upgrade", seats=5, license_name=lic["license_name"],
        license_key=lic["license_key"])  # the license was upgraded since
    error(refund(client, first), 409, "ORDER_NOT_REFUNDABLE")
    assert charge_of(client, first)["status"] == "succeeded"  # the money was not returned
    assert status(client, first) == "fulfilled"


def test_unreachable_processor_changes_nothing(client: TestClient) -> None:
    done = buy(client, kind="new", product="desktop", seats=1)
    set_mode(client, "down")
    r = refund(client, done)
    error(r, 503, "PROCESSOR_UNAVAILABLE")
    assert r.headers["Retry-After"]
    assert charge_of(client, done)["status"] == "succeeded" and status(client, done) == \
        "fulfilled"
    set_mode(client, "normal")
    assert refund(client, done).json()["status"] == "refunded"
    assert charge_of(client, done)["status"] == "refunded"


def test_a_lost_refund_answer_is_settled_by_reconciliation(ctx: Context,
                                                           client: TestClient) -> None:
    done = buy(client, kind="new", product="desktop", seats=1)
    set_mode(client, "lost_answers")
    error(refund(client, done), 503, "PAYMENT_UNCONFIRMED")
    assert charge_of(client, done)["status"] == "refunded"  # made, but Licensor can't know
    assert status(client, done) == "fulfilled"
    error(refund(client, done), 409, "PAYMENT_IN_PROGRESS")
    payments.reconcile_in_doubt(ctx)  # still lost: stays in doubt
    assert status(client, done) == "fulfilled"
    set_mode(client, "normal")
    assert payments.reconcile_in_doubt(ctx) == 1
    shown = client.get(f"/v1/orders/{done['id']}", headers=ADMIN).json()
    assert shown["status"] == "refunded" and shown["refund_id"]
    lic = done["licenses"][0]
    got = client.post("/v1/licenses/validate", json={
        "license_name": lic["license_name"], "license_key": lic["license_key"]}).json()
    assert got["code"] == "REVOKED"
    assert [c["status"] for c in ledger(client)] == ["refunded"]


class Killed(BaseException):
    """The process dies (not an error the request could answer)."""


class DiesAfterRefund(SandboxProcessor):
    def refund(self, *args: Any, **kwargs: Any) -> Refund:
        super().refund(*args, **kwargs)
        raise Killed


def test_a_crash_between_the_refund_and_its_record(ctx: Context, client: TestClient) -> None:
    done = buy(client, kind="new", product="desktop", seats=1)
    ctx.payments = DiesAfterRefund(ctx.db)
    with ctx.db.transaction() as session, pytest.raises(Killed):
        refunds.refund(ctx, session, done["id"], now=wall_clock(), actor="admin")
    ctx.payments = SandboxProcessor(ctx.db)
    assert charge_of(client, done)["status"] == "refunded" and status(client, done) == \
        "fulfilled"
    assert payments.reconcile_in_doubt(ctx) == 0  # its process may still be at work
    with ctx.db.writer() as s:  # ...until the doubt threshold has passed
        s.execute(update(PaymentAttemptRow).where(PaymentAttemptRow.purpose == "refund")
                  .values(created_at=wall_clock() - payments.DOUBT_AFTER - timedelta(1)))
        s.commit()
    assert payments.reconcile_in_doubt(ctx) == 1
    assert status(client, done) == "refunded"
    with ctx.db.reader() as s:
        assert s.scalar(select(PaymentAttemptRow.status).where(
            PaymentAttemptRow.purpose == "refund")) == "succeeded"


class FailsAfterRefund(SandboxProcessor):
    def refund(self, *args: Any, **kwargs: Any) -> Refund:
        super().refund(*args, **kwargs)
        raise RuntimeError("connection reset")


def test_an_unexpected_failure_is_unconfirmed_never_a_500(ctx: Context,
                                                          client: TestClient) -> None:
    done = buy(client, kind="new", product="desktop", seats=1)
    ctx.payments = FailsAfterRefund(ctx.db)
    error(refund(client, done), 503, "PAYMENT_UNCONFIRMED")
    ctx.payments = SandboxProcessor(ctx.db)
    assert payments.reconcile_in_doubt(ctx) == 1
    assert status(client, done) == "refunded"
    assert [c["status"] for c in ledger(client)] == ["refunded"]


def test_a_refund_made_in_the_processors_dashboard(ctx: Context, client: TestClient) -> None:
    done = buy(client, kind="new", product="desktop", seats=1)
    charge = charge_of(client, done)
    SandboxProcessor(ctx.db).refund(charge["id"], Money(charge["amount"]["amount"],
                                                                 charge["amount"]["currency"]),
                                    idempotency_key="dashboard-refund")
    r = refund(client, done)
    assert r.status_code == 200 and r.json()["status"] == "refunded", r.text
    assert [c["status"] for c in ledger(client)] == ["refunded"]
