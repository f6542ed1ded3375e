"""The sandbox processor's modes (normal, down, lost_answers) and test cards: every outcome of
a charge can be played without a real processor, by every process of the installation."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from licensor.core import payments_sandbox
from licensor.core.context import Context
from licensor.core.db import Database
from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.core.payment_processor import PaymentSource
from licensor.core.payments_sandbox import SandboxProcessor
from tests.conftest import ADMIN
from tests.orders.helpers import error, order, pay, quote
from tests.payments.helpers import ledger, live_charges, set_mode


def test_mode_is_normal_until_an_admin_sets_it(client: TestClient) -> None:
    assert client.get("/v1/sandbox/processor").json() == {"mode": "normal"}
    error(client.put("/v1/sandbox/processor", json={"mode": "down"}), 401, "UNAUTHENTICATED")
    error(client.put("/v1/sandbox/processor", json={"mode": "slow"}, headers=ADMIN),
          422, "INVALID_REQUEST")
    set_mode(client, "lost_answers")
    assert client.get("/v1/sandbox/processor").json() == {"mode": "lost_answers"}


def test_mode_is_shared_by_every_process(ctx: Context, client: TestClient) -> None:
    set_mode(client, "down")
    other = Database(ctx.db.url)  # another worker's own connections
    try:
        assert payments_sandbox.mode(other) == "down"
        with pytest.raises(LicensorError) as raised:
            SandboxProcessor(other).charge(Money(100, "USD"), PaymentSource(card_token="tok_visa"),
                                           description="x", idempotency_key="k1", metadata={})
        assert raised.value.code == "PROCESSOR_UNAVAILABLE"
    finally:
        other.dispose()


def test_down_charges_nothing_and_changes_nothing(client: TestClient) -> None:
    o = order(client, quote(client, kind="new", product="desktop", seats=1)["id"])
    set_mode(client, "down")
    r = client.post(f"/v1/orders/{o['id']}/pay", json={"card_token": "tok_visa"})
    error(r, 503, "PROCESSOR_UNAVAILABLE")
    assert int(r.headers["Retry-After"]) > 0
    assert ledger(client) == []
    assert client.get(f"/v1/orders/{o['id']}", headers=ADMIN).json()["status"] == \
        "awaiting_payment"
    set_mode(client, "normal")
    assert pay(client, o["id"])["status"] == "fulfilled"
    assert len(live_charges(client, o["id"])) == 1


def test_lost_answer_is_unconfirmed_then_settled_once(client: TestClient) -> None:
    o = order(client, quote(client, kind="new", product="desktop", seats=1)["id"])
    set_mode(client, "lost_answers")
    key = {"Idempotency-Key": "pay-lost-1"}
    r = client.post(f"/v1/orders/{o['id']}/pay", json={"card_token": "tok_visa"}, headers=key)
    error(r, 503, "PAYMENT_UNCONFIRMED")
    assert int(r.headers["Retry-After"]) > 0
    assert len(live_charges(client, o["id"])) == 1  # the processor did charge
    # Not declined, not payable twice: another pay waits for the first one's outcome.
    error(client.post(f"/v1/orders/{o['id']}/pay", json={"card_token": "tok_visa"}),
          409, "PAYMENT_IN_PROGRESS")
    error(client.post(f"/v1/orders/{o['id']}/pay", json={"card_token": "tok_visa"},
                      headers=key), 409, "PAYMENT_IN_PROGRESS")
    set_mode(client, "normal")
    r = client.post(f"/v1/orders/{o['id']}/pay", json={"card_token": "tok_visa"}, headers=key)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "fulfilled" and r.json()["licenses"]
    assert [c["id"] for c in live_charges(client, o["id"])] == [r.json()["charge_id"]]


def test_jobs_run_reconciles_an_unconfirmed_payment(client: TestClient, cli) -> None:  # type: ignore[no-untyped-def]
    o = order(client, quote(client, kind="new", product="desktop", seats=1)["id"])
    set_mode(client, "lost_answers")
    error(client.post(f"/v1/orders/{o['id']}/pay", json={"card_token": "tok_visa"}),
          503, "PAYMENT_UNCONFIRMED")
    out = cli("jobs", "run")  # still lost: it stays in doubt
    assert "payments_reconcile" in out
    assert client.get(f"/v1/orders/{o['id']}", headers=ADMIN).json()["status"] == \
        "awaiting_payment"
    set_mode(client, "normal")
    cli("jobs", "run")
    settled = client.get(f"/v1/orders/{o['id']}", headers=ADMIN).json()
    assert settled["status"] == "fulfilled"
    assert [c["id"] for c in live_charges(client, o["id"])] == [settled["charge_id"]]


def test_payment_method_ids_are_taken_wherever_a_token_is(client: TestClient) -> None:
    o = order(client, quote(client, kind="new", product="desktop", seats=1)["id"])
    error(client.post(f"/v1/orders/{o['id']}/pay",
                      json={"card_token": "pm_card_chargeDeclined"}), 402, "CARD_DECLINED")
    assert pay(client, o["id"], token="pm_card_visa")["status"] == "fulfilled"


@pytest.mark.parametrize("token", ["tok_chargeCustomerFail", "pm_card_chargeCustomerFail"])
def test_charge_customer_fail_saves_then_declines(ctx: Context, token: str) -> None:
    processor = SandboxProcessor(ctx.db)
    saved = processor.save_card(token, customer_id=None, email="a@b.test")
    assert saved.payment_method_id == "pm_card_chargeCustomerFail"
    with pytest.raises(LicensorError) as raised:
        processor.charge(Money(100, "USD"), PaymentSource(saved=saved, off_session=True),
                         description="renewal", idempotency_key="k2", metadata={})
    assert raised.value.code == "CARD_DECLINED" and raised.value.status == 402
    with pytest.raises(LicensorError) as raised:
        processor.save_card("not-a-card-token", customer_id=None, email="a@b.test")
    assert raised.value.code == "CARD_DECLINED"


def test_lost_answers_refund_is_made_but_unconfirmed(ctx: Context) -> None:
    processor = SandboxProcessor(ctx.db)
    made = processor.charge(Money(100, "USD"), PaymentSource(card_token="tok_visa"),
                            description="x", idempotency_key="k3", metadata={})
    payments_sandbox.set_mode(ctx.db, "lost_answers")
    with pytest.raises(LicensorError) as raised:
        processor.refund(made.id, made.amount, idempotency_key="k3:refund")
    assert raised.value.code == "PAYMENT_UNCONFIRMED" and raised.value.status == 503
    payments_sandbox.set_mode(ctx.db, "normal")
    assert processor.find_charge("k3") is not None
    assert processor.find_charge("k3").status == "refunded"  # type: ignore[union-attr]
