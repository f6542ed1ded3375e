"""Races, run for real: threads released together by a barrier, each with its own session."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.orders import service as orders
from tests.builders import RecordingProcessor, create_license, license_info, race
from tests.orders.helpers import order, quote


def pay_in_own_session(ctx: Context, order_id: str) -> str:
    with ctx.db.writer() as session:
        try:
            orders.pay(ctx, session, order_id, "tok_visa", now=ctx.clock.now(session))
            session.commit()
            return "fulfilled"
        except LicensorError as exc:
            session.rollback()
            return exc.code


def test_two_upgrades_of_one_license_paid_at_once(ctx: Context, client: TestClient,
                                                  admin: dict[str, str]) -> None:
    processor = RecordingProcessor(ctx.db)
    ctx.payments = processor
    for round_ in range(3):
        old = create_license(ctx, seats=1, license_name=f"Race {round_}")
        ids = [order(client, quote(client, kind="upgrade", seats=seats,
                                   **license_info(old))["id"])["id"] for seats in (5, 10)]
        before = len(processor.charges)
        results = race(2, lambda i, ids=ids: pay_in_own_session(ctx, ids[i]))
        assert sorted(results) == ["QUOTE_STALE", "fulfilled"], results
        assert len(processor.charges) - before == 1  # the loser was never charged
        statuses = [client.get(f"/v1/orders/{i}", headers=admin).json()["status"] for i in ids]
        assert sorted(statuses) == ["awaiting_payment", "fulfilled"]
        lic = client.get(f"/v1/licenses/{old.id}", headers=admin).json()
        assert lic["status"] == "superseded"
        winner = ids[statuses.index("fulfilled")]
        assert lic["superseded_by"] == client.get(f"/v1/orders/{winner}",
                                                  headers=admin).json()["licenses"][0]["id"]


def test_concurrent_orders_get_distinct_sequential_numbers(ctx: Context,
                                                           client: TestClient) -> None:
    quotes = [quote(client, kind="new", product="desktop", seats=1)["id"] for _ in range(6)]

    def place(i: int) -> str:
        with ctx.db.writer() as session:
            row = orders.create_order(ctx, session, quote_id=quotes[i],
                                      buyer={"name": "N", "email": "n@x.test"},
                                      payment_method="card", license_name=None,
                                      now=ctx.clock.now(session))
            session.commit()
            return row.number

    numbers = race(6, place)
    assert sorted(numbers) == [f"LIC-{i:06d}" for i in range(1, 7)], numbers


def test_charge_is_refunded_when_the_commit_fails(ctx: Context, client: TestClient,
                                                  admin: dict[str, str]) -> None:
    import pytest
    from sqlalchemy import event

    processor = RecordingProcessor(ctx.db)
    ctx.payments = processor
    o = order(client, quote(client, kind="new", product="desktop", seats=1)["id"])
    with ctx.db.writer() as session:
        orders.pay(ctx, session, o["id"], "tok_visa", now=ctx.clock.now(session))
        charge = processor.charges[-1]

        def fail(_session: Any) -> None:
            raise RuntimeError("the database went away")

        event.listen(session, "before_commit", fail)
        with pytest.raises(RuntimeError):
            session.commit()
        session.rollback()  # as the request boundary does
    assert charge is not None and processor.refunds == [charge.id]
    assert client.get(f"/v1/orders/{o['id']}", headers=admin).json()["status"] == \
        "awaiting_payment"


def test_charge_is_refunded_when_fulfilment_fails_after_it(ctx: Context, client: TestClient,
                                                           admin: dict[str, str]) -> None:
    from licensor.core import events

    processor = RecordingProcessor(ctx.db)

    def refuse(*_args: Any, **_kw: Any) -> None:
        raise LicensorError("INTERNAL", "a listener refused the fulfilment", status=500)

    ctx.payments = processor
    o = order(client, quote(client, kind="new", product="desktop", seats=1)["id"])
    events._HANDLERS["order.fulfilled"].append(refuse)
    try:
        r = client.post(f"/v1/orders/{o['id']}/pay", json={"card_token": "tok_visa"})
    finally:
        events._HANDLERS["order.fulfilled"].remove(refuse)
    assert r.status_code == 500
    assert len(processor.refunds) == 1
    shown = client.get(f"/v1/orders/{o['id']}", headers=admin).json()
    assert shown["status"] == "awaiting_payment" and shown["licenses"] == []
