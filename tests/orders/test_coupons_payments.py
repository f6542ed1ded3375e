"""Coupons where the money is taken: a coupon used up while a card is charged gives the money
back (the request and reconciliation after a crash), payers racing for the last uses (real
threads and sessions: run with LICENSOR_TEST_DATABASE_URL for PostgreSQL), and the property that
paying then refunding returns every redemption and no total is ever negative."""

from __future__ import annotations

import itertools
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from licensor.core import payments
from licensor.core.context import Context
from licensor.core.money import Money
from licensor.core.payment_models import PaymentAttemptRow
from licensor.core.payment_processor import Charge, PaymentSource
from licensor.core.payments_sandbox import SandboxProcessor
from tests.builders import race
from tests.orders.helpers import BUYER, error, order, pay, quote
from tests.orders.test_concurrency import pay_in_own_session
from tests.orders.test_coupons import ledger, make_coupon, redeemed


def charges_of(client: TestClient, admin: dict[str, str], order_id: str) -> list[str]:
    """The statuses of the sandbox ledger's charges for an order."""
    return [c["status"] for c in ledger(client, admin) if c["metadata"]["order_id"] == order_id]


def coupon_order(client: TestClient, code: str, email: str = BUYER["email"]) -> str:
    q = quote(client, kind="new", product="desktop", seats=5, coupon=code)
    r = client.post("/v1/orders", json={"quote_id": q["id"], "payment_method": "card",
                                        "buyer": {**BUYER, "email": email}})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


class AnotherPaysFirst(SandboxProcessor):
    """While our card is being charged, another buyer's payment takes the coupon's last use."""

    def __init__(self, ctx: Context, other_order_id: str) -> None:
        super().__init__(ctx.db)
        self.ctx, self.other = ctx, other_order_id

    def charge(self, amount: Money, source: PaymentSource, *, description: str,
               idempotency_key: str, metadata: dict[str, str]) -> Charge:
        made = super().charge(amount, source, description=description,
                              idempotency_key=idempotency_key, metadata=metadata)
        if metadata.get("order_id") != self.other:
            assert pay_in_own_session(self.ctx, self.other) == "fulfilled"
        return made


def test_a_coupon_used_up_during_the_charge_refunds_it(ctx: Context, client: TestClient,
                                                       admin: dict[str, str]) -> None:
    make_coupon(ctx, "LAST", max_redemptions=1)
    mine, theirs = coupon_order(client, "LAST"), coupon_order(client, "LAST", "b@other.test")
    ctx.payments = AnotherPaysFirst(ctx, theirs)
    body = error(client.post(f"/v1/orders/{mine}/pay", json={"card_token": "tok_visa"}),
                 409, "COUPON_EXHAUSTED")
    assert body["details"]["max_redemptions"] == 1
    assert charges_of(client, admin, mine) == ["refunded"]  # charged, then given back
    assert charges_of(client, admin, theirs) == ["succeeded"]
    shown = client.get(f"/v1/orders/{mine}", headers=admin).json()
    assert shown["status"] == "awaiting_payment" and shown["licenses"] == []
    assert shown["charge_id"] is None
    assert redeemed(ctx, "LAST") == 1
    with ctx.db.reader() as session:
        attempts = session.scalars(select(PaymentAttemptRow.status).where(
            PaymentAttemptRow.subject_id == mine)).all()
    assert attempts == ["refunded"]


class DiesAfterCharge(SandboxProcessor):
    """The process dies right after the money was taken, before Licensor recorded it."""

    def charge(self, *args: Any, **kwargs: Any) -> Charge:
        super().charge(*args, **kwargs)
        raise RuntimeError("killed")


def test_reconciliation_refunds_a_paid_order_whose_coupon_ran_out(
        ctx: Context, client: TestClient, admin: dict[str, str]) -> None:
    make_coupon(ctx, "LAST", max_redemptions=1)
    mine, theirs = coupon_order(client, "LAST"), coupon_order(client, "LAST", "b@other.test")
    ctx.payments = DiesAfterCharge(ctx.db)
    # An unexpected failure after the charge is an unknown outcome, never a 500.
    error(client.post(f"/v1/orders/{mine}/pay", json={"card_token": "tok_visa"}),
          503, "PAYMENT_UNCONFIRMED")
    ctx.payments = SandboxProcessor(ctx.db)
    pay(client, theirs)  # the last use goes to the other buyer meanwhile
    with ctx.db.reader() as session:
        attempt = session.scalar(select(PaymentAttemptRow).where(
            PaymentAttemptRow.subject_id == mine))
    assert attempt is not None and attempt.status == "unconfirmed"
    assert payments.reconcile(ctx, attempt.id) == "refunded"
    assert charges_of(client, admin, mine) == ["refunded"]
    assert client.get(f"/v1/orders/{mine}", headers=admin).json()["status"] == \
        "awaiting_payment"
    assert redeemed(ctx, "LAST") == 1


def test_payers_racing_for_the_last_uses(ctx: Context, client: TestClient,
                                         admin: dict[str, str]) -> None:
    for round_, (limit, payers) in enumerate(((1, 6), (3, 8))):
        code = f"RACE{round_}"
        make_coupon(ctx, code, max_redemptions=limit)
        ids = [coupon_order(client, code, f"p{i}@race.test") for i in range(payers)]
        results = race(payers, lambda i, ids=ids: pay_in_own_session(ctx, ids[i]))
        assert Counter(results) == {"fulfilled": limit, "COUPON_EXHAUSTED": payers - limit}, \
            results
        assert redeemed(ctx, code) == limit
        for order_id, result in zip(ids, results, strict=True):
            kept = [s for s in charges_of(client, admin, order_id) if s == "succeeded"]
            shown = client.get(f"/v1/orders/{order_id}", headers=admin).json()
            if result == "fulfilled":
                assert kept == ["succeeded"] and shown["status"] == "fulfilled"
            else:  # refunded or never charged; the order still awaits payment
                assert kept == [] and shown["status"] == "awaiting_payment", order_id
                assert shown["licenses"] == []


def test_one_customer_racing_with_a_once_per_customer_coupon(
        ctx: Context, client: TestClient, admin: dict[str, str]) -> None:
    make_coupon(ctx, "ONEEACH", once_per_customer=True)
    emails = ["same@race.test", "SAME@Race.test"] * 3  # one customer, however capitalised
    ids = [coupon_order(client, "ONEEACH", emails[i]) for i in range(5)]
    results = race(5, lambda i: pay_in_own_session(ctx, ids[i]))
    assert Counter(results) == {"fulfilled": 1, "COUPON_ALREADY_USED": 4}, results
    assert redeemed(ctx, "ONEEACH") == 1
    kept = [s for i in ids for s in charges_of(client, admin, i) if s == "succeeded"]
    assert kept == ["succeeded"]


# -- the property -----------------------------------------------------------------------------

_codes = itertools.count()

coupons = st.one_of(
    st.builds(lambda h: {"percent_off": Decimal(h) / 100}, st.integers(100, 10000)),
    st.builds(lambda a: {"amount_off": Money(a, "USD")}, st.integers(1, 500000)))


def expected_discount(terms: dict[str, Any], price: int) -> int:
    if "percent_off" in terms:
        return min(price, round(Fraction(price) * Fraction(terms["percent_off"]) / 100))
    return min(price, terms["amount_off"].amount)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(terms=coupons, seats=st.integers(1, 60), used_before=st.integers(0, 2),
       once=st.booleans())
def test_paying_then_refunding_returns_the_redemption_and_no_total_is_negative(
        ctx: Context, client: TestClient, admin: dict[str, str], terms: dict[str, Any],
        seats: int, used_before: int, once: bool) -> None:
    code = f"PROP{next(_codes)}"
    make_coupon(ctx, code, once_per_customer=once, **terms)
    for i in range(used_before):  # other customers' standing uses
        pay(client, coupon_order(client, code, f"earlier{i}@prop.test"))
    before = redeemed(ctx, code)
    assert before == used_before
    price = quote(client, kind="new", product="desktop", seats=seats)["total"]["amount"]
    q = quote(client, kind="new", product="desktop", seats=seats, coupon=code)
    off = expected_discount(terms, price)
    assert q["total"]["amount"] == price - off >= 0
    assert sum(line["amount"]["amount"] for line in q["lines"]) == q["total"]["amount"]
    assert q["lines"][-1]["amount"]["amount"] == -off
    done = pay(client, order(client, q["id"])["id"])
    assert done["total"]["amount"] >= 0 and redeemed(ctx, code) == before + 1
    r = client.post(f"/v1/orders/{done['id']}/refund", headers=admin)
    assert r.status_code == 200, r.text
    assert redeemed(ctx, code) == before


def test_a_charge_is_refunded_when_fulfilment_fails_after_the_coupon_was_redeemed(
        ctx: Context, client: TestClient, admin: dict[str, str]) -> None:
    from licensor.core import events
    from licensor.core.errors import LicensorError

    def refuse(*_args: Any, **_kw: Any) -> None:
        raise LicensorError("INTERNAL", "a listener refused the fulfilment", status=500)

    make_coupon(ctx, "LAST", max_redemptions=1)
    mine = coupon_order(client, "LAST")
    events._HANDLERS["order.fulfilled"].append(refuse)
    try:
        r = client.post(f"/v1/orders/{mine}/pay", json={"card_token": "tok_visa"})
    finally:
        events._HANDLERS["order.fulfilled"].remove(refuse)
    assert r.status_code == 500
    assert charges_of(client, admin, mine) == ["refunded"]
    assert redeemed(ctx, "LAST") == 0  # the redemption rolled back with the fulfilment
    assert pay(client, mine)["status"] == "fulfilled" and redeemed(ctx, "LAST") == 1
