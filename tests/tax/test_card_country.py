"""Tax evidence: the paying card's country, as the processor tells it, kept on the paid order
and its invoice record and shown in the console beside the country the buyer gave."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from licensor.core import payments_stripe
from licensor.core.context import Context
from licensor.core.money import Money
from licensor.core.payment_processor import PaymentSource
from licensor.core.payments_sandbox import SandboxProcessor
from licensor.tax.models import TaxDocumentRow
from tests.staff.helpers import log_in
from tests.subscriptions.conftest import START, Shop
from tests.tax.helpers import italian_seller, ordered


def _paid_with(client: TestClient, card: str, country: str) -> str:
    order = ordered(client, country=country)
    r = client.post(f"/v1/orders/{order['id']}/pay", json={"card_token": card})
    assert r.status_code == 200, r.text
    return str(order["id"])


def _invoice_evidence(ctx: Context, order_id: str) -> dict[str, object]:
    with ctx.db.reader() as session:
        row = session.scalars(select(TaxDocumentRow).where(
            TaxDocumentRow.order_id == order_id, TaxDocumentRow.kind == "invoice")).one()
        return dict(row.evidence)


def test_a_german_card_for_a_german_buyer_is_kept_as_evidence(ctx: Context,
                                                              client: TestClient) -> None:
    italian_seller(ctx)
    order_id = _paid_with(client, "tok_de", "DE")
    evidence = _invoice_evidence(ctx, order_id)
    assert evidence["buyer_country"] == "DE" and evidence["card_country"] == "DE"
    assert evidence["ip_address"] == "testclient"
    log_in(client, "support")
    page = client.get(f"/admin/orders/{order_id}")
    assert "country given: DE; card's country: DE; request from testclient" in page.text


def test_stripes_visa_test_card_is_a_us_card(ctx: Context, client: TestClient) -> None:
    italian_seller(ctx)
    order_id = _paid_with(client, "tok_visa", "DE")
    assert _invoice_evidence(ctx, order_id)["card_country"] == "US"
    log_in(client, "support")
    assert "card's country: US;" in client.get(f"/admin/orders/{order_id}").text


def test_an_order_paid_by_invoice_has_no_card_country(ctx: Context, client: TestClient,
                                                      admin: dict[str, str]) -> None:
    italian_seller(ctx)
    q = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 200})
    assert q.status_code == 201, q.text
    r = client.post("/v1/orders", json={"quote_id": q.json()["id"], "payment_method": "invoice",
                                        "buyer": {"name": "Ana", "email": "ana@acme.test",
                                                  "country": "DE"}})
    assert r.status_code == 201, r.text
    paid = client.post(f"/v1/orders/{r.json()['id']}/mark-paid", headers=admin)
    assert paid.status_code == 200, paid.text
    assert "card_country" not in _invoice_evidence(ctx, r.json()["id"])


def test_the_sandbox_tells_the_country_of_its_test_cards(ctx: Context) -> None:
    processor = SandboxProcessor(ctx.db)
    expected = {"tok_visa": "US", "pm_card_mastercard": "US", "tok_de": "DE",
                "pm_card_fr": "FR", "tok_it": "IT"}
    for card, country in expected.items():
        made = processor.charge(Money(100, "EUR"), PaymentSource(card_token=card),
                                description="x", idempotency_key=f"k-{card}", metadata={})
        assert made.card_country == country, card
        found = processor.find_charge(f"k-{card}")  # reconciliation learns it too
        assert found is not None and found.card_country == country, card


def test_stripes_answer_gives_the_country_of_the_latest_charges_card() -> None:
    expanded = {"id": "pi_1", "latest_charge": {
        "id": "ch_1", "payment_method_details": {"card": {"country": "de"}}}}
    assert payments_stripe._card_country(expanded) == "DE"
    assert payments_stripe._card_country({"id": "pi_1", "latest_charge": "ch_1"}) is None
    assert payments_stripe._card_country({"id": "pi_1", "latest_charge": None}) is None


def test_a_subscriptions_invoice_keeps_the_card_country(ctx: Context, client: TestClient,
                                                        admin: dict[str, str]) -> None:
    italian_seller(ctx)
    shop = Shop(client, admin)
    shop.set_clock(START)
    owner, _ = shop.account()
    site = shop.site(owner)
    r = client.post("/v1/subscriptions", headers=owner, json={
        "plan": "medium", "interval": "month", "card_token": "tok_fr", "site_id": site["id"],
        "billing_details": {"name": "Jean Dupont", "country": "FR"}})
    assert r.status_code == 201, r.text
    with ctx.db.reader() as session:
        row = session.scalars(select(TaxDocumentRow).where(
            TaxDocumentRow.subscription_id == r.json()["id"])).one()
        assert row.evidence == {"buyer_country": "FR", "card_country": "FR"}
    log_in(client, "support")
    page = client.get(f"/admin/subscriptions/{r.json()['id']}").text
    assert "(20%); card's country FR" in page
