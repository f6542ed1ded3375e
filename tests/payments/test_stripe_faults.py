"""Faults between Licensor and Stripe (localstripe behind the adapter): the answer lost after
the charge went through, a 500, an answer held past the timeout, a refused connection — for
charges (an order, a subscription's start), saving a card, and refunds. After each: one live
charge per paid thing, none for an unpaid one, and the customer told the truth."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from licensor.core import payments
from licensor.core.context import Context
from tests.conftest import ADMIN
from tests.orders.helpers import buy, error, order, quote
from tests.payments.conftest import processor
from tests.payments.stripe_adapter import LocalStripe

FAULTS = ["lose", "500", "hold", "refuse"]
UNKNOWN = {"lose": "PAYMENT_UNCONFIRMED", "500": "PAYMENT_UNCONFIRMED",
           "hold": "PAYMENT_UNCONFIRMED", "refuse": "PROCESSOR_UNAVAILABLE"}


def inject(ctx: Context, ls: LocalStripe, path: str, fault: str) -> None:
    if fault == "refuse":
        ctx.payments = processor(ls.closed_base)
    else:
        ls.fail(path, fault)


def heal(ctx: Context, ls: LocalStripe) -> None:
    ctx.payments = processor(ls.base)
    ls.faults.clear()


def figures(ls: LocalStripe, **metadata: str) -> dict[str, int]:
    made = [pi for pi in ls.payment_intents() if pi["status"] == "succeeded"
            and all(pi["metadata"].get(k) == v for k, v in metadata.items())]
    return {"charges": len(made), "live": sum(not pi["latest_charge"]["refunded"]
                                              for pi in made),
            "refunded": sum(bool(pi["latest_charge"]["refunded"]) for pi in made)}


def report(case: str, fault: str, counts: dict[str, int]) -> None:
    print(f"\nFAULT {case:<16} {fault:<7} " + " ".join(f"{k}={v}" for k, v in counts.items()))


@pytest.mark.parametrize("fault", FAULTS)
def test_order_charge(ctx: Context, client: TestClient, stripe_ls: LocalStripe,
                      fault: str) -> None:
    o = order(client, quote(client, kind="new", product="desktop", seats=1)["id"])
    inject(ctx, stripe_ls, "/v1/payment_intents", fault)
    r = client.post(f"/v1/orders/{o['id']}/pay", json={"card_token": "pm_card_visa"},
                    headers={"Idempotency-Key": f"fault-{fault}"})
    error(r, 503, UNKNOWN[fault])
    assert r.headers["Retry-After"]
    assert figures(stripe_ls, order_id=o["id"])["live"] == (0 if fault == "refuse" else 1)
    assert client.get(f"/v1/orders/{o['id']}", headers=ADMIN).json()["status"] == \
        "awaiting_payment"
    heal(ctx, stripe_ls)
    payments.reconcile_in_doubt(ctx)
    again = client.post(f"/v1/orders/{o['id']}/pay", json={"card_token": "pm_card_visa"},
                        headers={"Idempotency-Key": f"fault-{fault}"})
    assert again.status_code == 200 and again.json()["status"] == "fulfilled", again.text
    counts = figures(stripe_ls, order_id=o["id"])
    report("order charge", fault, counts)
    assert counts == {"charges": 1, "live": 1, "refunded": 0}
    assert again.json()["charge_id"] == stripe_ls.payment_intents()[0]["id"]


def _account(client: TestClient) -> tuple[dict[str, str], str]:
    r = client.post("/v1/accounts", json={"email": "sub@example.test", "name": "Someone",
                                          "password": "correct horse"})
    owner = {"Authorization": f"Bearer {r.json()['token']}"}
    return owner, client.post("/v1/sites", json={"name": "Acme"}, headers=owner).json()["id"]


def _subscribe(client: TestClient, owner: dict[str, str], site: str) -> Any:
    return client.post("/v1/subscriptions", headers=owner, json={
        "plan": "small", "interval": "month", "card_token": "tok_visa", "site_id": site})


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("where", ["/v1/setup_intents", "/v1/payment_intents"])
def test_subscription_start(ctx: Context, client: TestClient, stripe_ls: LocalStripe,
                            fault: str, where: str) -> None:
    owner, site = _account(client)
    inject(ctx, stripe_ls, where, fault)
    saving = where == "/v1/setup_intents"
    # Saving a card moves no money: any failure there is "nothing charged, try again".
    error(_subscribe(client, owner, site), 503,
          "PROCESSOR_UNAVAILABLE" if saving else UNKNOWN[fault])
    assert figures(stripe_ls)["live"] == (0 if saving or fault == "refuse" else 1)
    assert client.get(f"/v1/sites/{site}", headers=owner).json()["subscription"]["status"] \
        == "trialing"
    heal(ctx, stripe_ls)
    payments.reconcile_in_doubt(ctx)  # a charge in doubt for a subscription goes back
    r = _subscribe(client, owner, site)
    assert r.status_code == 201, r.text
    counts = figures(stripe_ls)
    report("subscribe" + ("/card" if saving else "/charge"), fault, counts)
    assert counts["live"] == 1
    assert counts["refunded"] == (1 if not saving and fault != "refuse" else 0)
    assert len(stripe_ls.get("/v1/customers", limit=100)["data"]) == 1  # one per account


@pytest.mark.parametrize("fault", FAULTS)
def test_refund(ctx: Context, client: TestClient, stripe_ls: LocalStripe, fault: str) -> None:
    done = buy(client, kind="new", product="desktop", seats=1)
    inject(ctx, stripe_ls, "/v1/refunds", fault)
    r = client.post(f"/v1/orders/{done['id']}/refund", headers=ADMIN)
    error(r, 503, UNKNOWN[fault])
    assert figures(stripe_ls, order_id=done["id"])["refunded"] == (0 if fault == "refuse"
                                                                   else 1)
    assert client.get(f"/v1/orders/{done['id']}", headers=ADMIN).json()["status"] == \
        "fulfilled"
    heal(ctx, stripe_ls)
    payments.reconcile_in_doubt(ctx)
    if fault == "refuse":  # nothing happened: the administrator refunds again
        assert client.post(f"/v1/orders/{done['id']}/refund", headers=ADMIN).status_code == 200
    shown = client.get(f"/v1/orders/{done['id']}", headers=ADMIN).json()
    assert shown["status"] == "refunded" and shown["refund_id"]
    counts = figures(stripe_ls, order_id=done["id"])
    refunds = len(stripe_ls.get("/v1/refunds", limit=100)["data"])
    report("refund", fault, {**counts, "refund_objects": refunds})
    assert counts == {"charges": 1, "live": 0, "refunded": 1} and refunds == 1
