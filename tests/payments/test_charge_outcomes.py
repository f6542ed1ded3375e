"""The three outcomes of a charge, never confused, on every way of paying by card: declined
(402 CARD_DECLINED), not reached (503 PROCESSOR_UNAVAILABLE) and unknown (503
PAYMENT_UNCONFIRMED: in doubt until reconciliation, PAYMENT_IN_PROGRESS meanwhile). After
each: one live charge per paid thing, none for an unpaid one."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from licensor.core import payments
from licensor.core.context import Context
from licensor.core.money import Money
from licensor.core.payment_models import PaymentAttemptRow, SandboxChargeRow
from licensor.core.payment_processor import PaymentSource
from licensor.core.payments_sandbox import SandboxProcessor
from licensor.core.stripe_webhooks import signature_header
from tests.orders.helpers import error
from tests.payments.helpers import set_mode
from tests.payments.paths import PATHS, make_path


@pytest.mark.parametrize("kind", PATHS)
def test_declined_changes_nothing(ctx: Context, client: TestClient, kind: str) -> None:
    path = make_path(kind, ctx, client)
    error(path.pay("tok_chargeDeclined", {}), 402, "CARD_DECLINED")
    assert not path.paid() and path.charges(client) == []
    assert path.pay("tok_visa", {}).status_code == path.ok
    assert path.paid() and path.live(client) == 1


@pytest.mark.parametrize("kind", PATHS)
def test_unreachable_changes_nothing(ctx: Context, client: TestClient, kind: str) -> None:
    path = make_path(kind, ctx, client)
    set_mode(client, "down")
    r = path.pay("tok_visa", {})
    error(r, 503, "PROCESSOR_UNAVAILABLE")
    assert r.headers["Retry-After"]
    assert not path.paid() and path.charges(client) == []
    set_mode(client, "normal")
    assert path.pay("tok_visa", {}).status_code == path.ok
    assert path.paid() and path.live(client) == 1


@pytest.mark.parametrize("kind", PATHS)
def test_unknown_outcome_is_settled_with_one_charge(ctx: Context, client: TestClient,
                                                     kind: str) -> None:
    path = make_path(kind, ctx, client)
    key = {"Idempotency-Key": f"outcome-{kind}"}
    set_mode(client, "lost_answers")
    r = path.pay("tok_visa", key)
    error(r, 503, "PAYMENT_UNCONFIRMED")
    assert r.headers["Retry-After"]
    assert len(path.charges(client)) == 1  # the processor took the money; Licensor can't know
    with ctx.db.reader() as s:
        statuses = set(s.scalars(select(PaymentAttemptRow.status)))
    assert "unconfirmed" in statuses and "declined" not in statuses
    error(path.pay("tok_visa", {}), 409, "PAYMENT_IN_PROGRESS")
    assert not path.paid()
    set_mode(client, "normal")
    assert payments.reconcile_in_doubt(ctx) >= 1
    # Orders are fulfilled with the charge; a subscription's request is retried, so its
    # charge went back and the retry pays.
    r = path.pay("tok_visa", key)
    assert r.status_code == path.ok, r.text
    assert path.paid() and path.live(client) == 1
    assert len(path.charges(client)) == (1 if path.ok == 200 and kind != "plan_change" else 2)


def _succeeded_webhook(client: TestClient, ctx: Context, key: str, charge_id: str) -> None:
    ctx.settings.stripe_webhook_secret = "whsec_outcomes"
    payload = json.dumps({"id": f"evt_{charge_id}", "type": "payment_intent.succeeded",
                          "data": {"object": {"id": charge_id,
                                              "metadata": {"licensor_key": key}}}}).encode()
    r = client.post("/v1/webhooks/stripe", content=payload, headers={
        "Stripe-Signature": signature_header(payload, "whsec_outcomes", int(time.time())),
        "Content-Type": "application/json"})
    assert r.status_code == 200, r.text


def _attempts(ctx: Context, subject: str) -> list[PaymentAttemptRow]:
    with ctx.db.reader() as s:
        return list(s.scalars(select(PaymentAttemptRow).where(
            PaymentAttemptRow.subject_id == subject).order_by(PaymentAttemptRow.created_at)))


def test_a_reported_charge_for_an_unconfirmed_attempt_is_fulfilled(
        ctx: Context, client: TestClient) -> None:
    path = make_path("new", ctx, client)
    set_mode(client, "lost_answers")
    error(path.pay("tok_visa", {}), 503, "PAYMENT_UNCONFIRMED")
    [charge] = path.charges(client)
    [attempt] = _attempts(ctx, path.subject[1])
    _succeeded_webhook(client, ctx, attempt.processor_key, charge["id"])
    assert path.paid() and path.live(client) == 1
    set_mode(client, "normal")
    again = path.pay("tok_visa", {})  # the payer's retry: told what was paid, not charged
    assert again.status_code == 200 and again.json()["charge_id"] == charge["id"]
    assert len(path.charges(client)) == 1


def test_a_late_charge_for_a_declined_attempt_is_refunded(ctx: Context,
                                                           client: TestClient) -> None:
    path = make_path("new", ctx, client)
    error(path.pay("tok_chargeDeclined", {}), 402, "CARD_DECLINED")
    assert path.pay("tok_visa", {}).status_code == 200
    declined, _paid = _attempts(ctx, path.subject[1])
    assert declined.status == "declined"
    # The processor reports money taken on the attempt Licensor was told was declined.
    late = SandboxProcessor(ctx.db).charge(
        Money(declined.amount, declined.currency), PaymentSource(card_token="tok_visa"),
        description="late", idempotency_key=declined.processor_key,
        metadata={"order_id": path.subject[1]})
    _succeeded_webhook(client, ctx, declined.processor_key, late.id)
    assert path.paid() and path.live(client) == 1
    assert [c["status"] for c in path.charges(client)].count("refunded") == 1
    assert _attempts(ctx, path.subject[1])[0].status == "refunded"


def test_a_charge_found_after_its_attempt_was_abandoned_is_fulfilled(
        ctx: Context, client: TestClient) -> None:
    """The processor's search lags behind its charges: reconciliation found none and closed the
    attempt `abandoned`; within RECHECK_ABANDONED it asks again, and the charge that shows up
    pays the order (once)."""
    path = make_path("new", ctx, client)
    set_mode(client, "lost_answers")
    error(path.pay("tok_visa", {}), 503, "PAYMENT_UNCONFIRMED")
    [charge] = path.charges(client)
    [attempt] = _attempts(ctx, path.subject[1])
    with ctx.db.transaction() as s:  # not searchable yet
        row = s.scalar(select(SandboxChargeRow).where(SandboxChargeRow.id == charge["id"]))
        assert row is not None
        held = {c.key: getattr(row, c.key) for c in SandboxChargeRow.__mapper__.column_attrs}
        s.delete(row)
    set_mode(client, "normal")
    payments.reconcile_in_doubt(ctx)
    [attempt] = _attempts(ctx, path.subject[1])
    assert attempt.status == "abandoned" and not path.paid()
    with ctx.db.transaction() as s:  # there now
        s.add(SandboxChargeRow(**held))
    payments.reconcile_in_doubt(ctx)
    [attempt] = _attempts(ctx, path.subject[1])
    assert attempt.status == "succeeded" and attempt.charge_id == charge["id"]
    assert path.paid() and path.live(client) == 1
    payments.reconcile_in_doubt(ctx)  # asked again: nothing more happens
    assert path.live(client) == 1 and len(path.charges(client)) == 1
