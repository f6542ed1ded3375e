"""Price lists per currency: a product priced in EUR beside USD, quotes and subscriptions in
it (an upgrade priced in one currency, a subscription keeping its currency through a plan
change), CURRENCY_NOT_OFFERED, and the tax in the document's own currency."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.orders.helpers import error
from tests.subscriptions.conftest import START, Shop
from tests.tax.helpers import amount, italian_seller

EUR = "EUR"


def eur(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": EUR}


def add_price_list(client: TestClient, admin: dict[str, str], code: str,
                   price_list: dict[str, Any]) -> dict[str, Any]:
    product = client.get(f"/v1/products/{code}").json()
    r = client.put(f"/v1/products/{code}", json={**product, "price_lists": {EUR: price_list}},
                   headers=admin)
    assert r.status_code == 200, r.text
    return dict(r.json())


DESKTOP_EUR = {"pricing": {"kind": "volume", "bands": [
    {"min_seats": 1, "unit_price": eur(7900)}, {"min_seats": 5, "unit_price": eur(7600)}]}}
MYBALSAMIQ_EUR = {"plans": [
    {"code": code, "monthly_price": eur(monthly), "yearly_price": eur(monthly * 10)}
    for code, monthly in (("small", 1100), ("starter", 2200), ("medium", 4500),
                          ("large", 9000))]}


def test_a_quote_in_a_price_lists_currency(client: TestClient, admin: dict[str, str]) -> None:
    product = add_price_list(client, admin, "desktop", DESKTOP_EUR)
    assert product["price_lists"][EUR] == DESKTOP_EUR
    r = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 5,
                                        "currency": EUR})
    assert r.status_code == 201, r.text
    assert (r.json()["currency"], r.json()["total"]) == (EUR, eur(38000))
    usd = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 5})
    assert usd.json()["total"] == {"amount": 42900, "currency": "USD"}


def test_a_currency_without_a_price_list_is_not_offered(client: TestClient) -> None:
    body = error(client.post("/v1/quotes", json={"kind": "new", "product": "desktop",
                                                 "seats": 1, "currency": "GBP"}),
                 409, "CURRENCY_NOT_OFFERED")
    assert body["details"]["offered"] == ["USD"]


def test_an_upgrade_is_the_difference_of_one_currencys_prices(
        client: TestClient, admin: dict[str, str]) -> None:
    add_price_list(client, admin, "desktop", DESKTOP_EUR)
    lic = client.post("/v1/licenses", json={"product": "desktop", "seats": 1,
                                            "license_name": "Acme", "email": "a@acme.test"},
                      headers=admin).json()
    r = client.post("/v1/quotes", json={"kind": "upgrade", "license_name": "Acme",
                                        "license_key": lic["license_key"], "seats": 5,
                                        "currency": EUR})
    assert r.status_code == 201, r.text
    assert r.json()["total"] == eur(5 * 7600 - 7900)


def test_tax_is_in_the_documents_currency(ctx: Any, client: TestClient,
                                          admin: dict[str, str]) -> None:
    italian_seller(ctx)
    add_price_list(client, admin, "desktop", DESKTOP_EUR)
    q = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 1,
                                        "currency": EUR, "customer": {"country": "DE"}}).json()
    assert (q["subtotal"], q["tax"]["amount"], q["total"]) == (eur(7900), eur(1501),
                                                               eur(9401))


def test_an_invalid_price_list_is_refused(client: TestClient, admin: dict[str, str]) -> None:
    product = client.get("/v1/products/desktop").json()
    for lists in ({EUR: {"pricing": {"kind": "volume", "bands": [
                      {"min_seats": 1, "unit_price": {"amount": 7900, "currency": "USD"}}]}}},
                  {"XXX": DESKTOP_EUR}, {EUR: "cheap"}, {"USD": DESKTOP_EUR}):
        body = error(client.put("/v1/products/desktop", json={**product, "price_lists": lists},
                                headers=admin), 422, "INVALID_CATALOG")
        assert "price_lists" in body["message"]


@pytest.fixture
def shop(client: TestClient, admin: dict[str, str]) -> Shop:
    s = Shop(client, admin)
    s.set_clock(START)
    return s


def test_a_subscription_keeps_its_currency_through_a_plan_change(
        shop: Shop, admin: dict[str, str]) -> None:
    add_price_list(shop.client, admin, "mybalsamiq", MYBALSAMIQ_EUR)
    owner, _ = shop.account()
    site = shop.site(owner)
    r = shop.client.post("/v1/subscriptions", headers=owner, json={
        "plan": "small", "interval": "month", "card_token": "tok_visa",
        "site_id": site["id"], "currency": EUR})
    assert r.status_code == 201, r.text
    sub = r.json()
    assert sub["currency"] == EUR
    [invoice] = shop.invoices(owner, sub["id"])
    assert invoice["amount_paid"] == eur(1100)
    shop.advance(15 * 86400)
    change = shop.client.post(f"/v1/subscriptions/{sub['id']}/change", headers=owner,
                              json={"plan": "large"})
    assert change.status_code == 200, change.text
    assert {line["amount"]["currency"] for line in change.json()["lines"]} == {EUR}
    assert amount(change.json()["amount_due"]) > 0
    error(shop.client.post("/v1/subscriptions", headers=owner, json={
        "plan": "small", "interval": "month", "card_token": "tok_visa",
        "site_id": shop.site(owner, "Other")["id"], "currency": "GBP"}),
        409, "CURRENCY_NOT_OFFERED")
