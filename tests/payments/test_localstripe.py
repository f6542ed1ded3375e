"""The Stripe processor against localstripe, a Stripe stand-in the project did not write
(through LICENSOR_STRIPE_API_BASE's setting; see stripe_adapter.py for what the adapter adds)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from licensor.core import payments
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.core.payment_processor import PaymentSource
from licensor.core.payments_stripe import StripeProcessor
from tests.orders.helpers import error, order, pay, quote
from tests.payments.conftest import processor
from tests.payments.stripe_adapter import LocalStripe

USD = Money(8900, "USD")


def charge(p: StripeProcessor, source: PaymentSource, key: str) -> str:
    return p.charge(USD, source, description="Order", idempotency_key=key,
                    metadata={"order_id": key}).id


@pytest.mark.parametrize("card", ["tok_visa", "pm_card_visa"])
def test_a_charge_with_either_kind_of_card(stripe_ls: LocalStripe, card: str) -> None:
    p = processor(stripe_ls.base)
    made = charge(p, PaymentSource(card_token=card), "k1")
    assert charge(p, PaymentSource(card_token=card), "k1") == made  # the same key: the same
    assert p.find_charge("k1") == payments.Charge(made, USD)
    assert p.find_charge("k2") is None
    assert stripe_ls.live_charges(order_id="k1") == 1


@pytest.mark.parametrize("card", ["tok_chargeDeclined", "pm_card_visa_chargeDeclined"])
def test_a_declined_card(stripe_ls: LocalStripe, card: str) -> None:
    with pytest.raises(LicensorError) as raised:
        charge(processor(stripe_ls.base), PaymentSource(card_token=card), "k3")
    assert raised.value.code == "CARD_DECLINED"
    assert stripe_ls.live_charges() == 0


def test_charge_customer_fail_saves_then_declines(stripe_ls: LocalStripe) -> None:
    p = processor(stripe_ls.base)
    customer = p.create_customer("a@example.test", idempotency_key="licensor:customer:acc1")
    saved = p.save_card("tok_chargeCustomerFail", customer_id=customer, email="a@example.test")
    assert saved.payment_method_id.startswith("pm_") and saved.customer_id == customer
    with pytest.raises(LicensorError) as raised:
        charge(p, PaymentSource(saved=saved, off_session=True), "k4")
    assert raised.value.code == "CARD_DECLINED"
    ok = p.save_card("pm_card_visa", customer_id=customer, email="a@example.test")
    charge(p, PaymentSource(saved=ok, off_session=True), "k5")
    assert stripe_ls.live_charges() == 1


def test_refunds_and_a_refund_already_made_in_the_dashboard(stripe_ls: LocalStripe) -> None:
    p = processor(stripe_ls.base)
    made = charge(p, PaymentSource(card_token="tok_visa"), "k6")
    first = p.refund(made, USD, idempotency_key="k6:refund")
    assert p.refund(made, USD, idempotency_key="k6:refund") == first  # replayed
    assert p.find_charge("k6") == payments.Charge(made, USD, "refunded")
    # Another key (Licensor after a dashboard refund): Stripe says charge_already_refunded.
    again = p.refund(made, USD, idempotency_key="other")
    assert again.id == first.id and stripe_ls.live_charges() == 0


def test_one_customer_per_account(stripe_ls: LocalStripe) -> None:
    p = processor(stripe_ls.base)
    one = p.create_customer("a@example.test", idempotency_key="licensor:customer:account:a")
    assert p.create_customer("a@example.test",
                             idempotency_key="licensor:customer:account:a") == one
    two = p.create_customer("b@example.test", idempotency_key="licensor:customer:account:b")
    assert two != one
    # Two accounts saving the same test card: no idempotency clash (the key is the account's).
    p.save_card("tok_visa", customer_id=one, email="a@example.test")
    p.save_card("tok_visa", customer_id=two, email="b@example.test")


def test_orders_through_the_app(ctx: Context, client: TestClient,
                                stripe_ls: LocalStripe) -> None:
    for card in ("pm_card_visa", "tok_visa"):
        o = order(client, quote(client, kind="new", product="desktop", seats=1)["id"])
        done = pay(client, o["id"], token=card)
        assert done["status"] == "fulfilled"
        assert stripe_ls.live_charges(order_id=o["id"]) == 1
    o = order(client, quote(client, kind="new", product="desktop", seats=1)["id"])
    error(client.post(f"/v1/orders/{o['id']}/pay", json={"card_token": "tok_chargeDeclined"}),
          402, "CARD_DECLINED")
    error(client.post(f"/v1/orders/{o['id']}/pay", json={"card_token": "tok_nonsense"}),
          402, "CARD_DECLINED")


def _subscribe(client: TestClient, email: str, card: str) -> tuple[dict[str, str], str, Any]:
    r = client.post("/v1/accounts", json={"email": email, "name": "Someone",
                                          "password": "correct horse"})
    owner = {"Authorization": f"Bearer {r.json()['token']}"}
    site = client.post("/v1/sites", json={"name": "Acme"}, headers=owner).json()["id"]
    return owner, site, client.post("/v1/subscriptions", headers=owner, json={
        "plan": "small", "interval": "month", "card_token": card, "site_id": site})


def test_subscriptions_one_customer_per_account_saved_before_the_card(
        ctx: Context, client: TestClient, stripe_ls: LocalStripe) -> None:
    stripe_ls.fail("/v1/setup_intents", "500")
    owner, site, r = _subscribe(client, "one@example.test", "tok_visa")
    error(r, 503, "PROCESSOR_UNAVAILABLE")  # the card could not be saved: nothing charged
    assert len(stripe_ls.get("/v1/customers", limit=100)["data"]) == 1  # kept, and saved
    stripe_ls.fail("/v1/setup_intents", None)
    again = client.post("/v1/subscriptions", headers=owner, json={
        "plan": "small", "interval": "month", "card_token": "tok_visa", "site_id": site})
    assert again.status_code == 201, again.text
    _owner, _site, other = _subscribe(client, "two@example.test", "tok_visa")  # same card
    assert other.status_code == 201, other.text
    assert len(stripe_ls.get("/v1/customers", limit=100)["data"]) == 2
    assert stripe_ls.live_charges() == 2
