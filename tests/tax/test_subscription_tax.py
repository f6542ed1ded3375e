"""Subscriptions taxed by their billing details: the first invoice, renewals, plan changes
(a preview equals the change, tax included), the card charged the total with tax, and
subscriptions untaxed by default."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from licensor.core.context import Context
from tests.orders.helpers import error
from tests.subscriptions.conftest import START, Shop
from tests.tax.helpers import amount, charges, italian_seller

GERMAN = {"name": "Ana Diaz", "company": "Acme GmbH", "country": "DE"}
FRENCH_BUSINESS = {"name": "Jean Dupont", "country": "FR", "vat_id": "FR40303265045"}
DAY = 86400


@pytest.fixture
def shop(client: TestClient, admin: dict[str, str]) -> Shop:
    s = Shop(client, admin)
    s.set_clock(START)
    return s


def subscribe(shop: Shop, details: dict[str, Any] | None, plan: str = "medium"
              ) -> tuple[dict[str, str], dict[str, Any]]:
    owner, _ = shop.account()
    site = shop.site(owner)
    body: dict[str, Any] = {"plan": plan, "interval": "month", "card_token": "tok_visa",
                            "site_id": site["id"]}
    if details is not None:
        body["billing_details"] = details
    r = shop.client.post("/v1/subscriptions", headers=owner, json=body)
    assert r.status_code == 201, r.text
    return owner, r.json()


def check_sums(invoice: dict[str, Any]) -> None:
    assert amount(invoice["tax"]["amount"]) >= 0
    assert amount(invoice["subtotal"]) + amount(invoice["tax"]["amount"]) == \
        amount(invoice["total"]) == amount(invoice["amount_paid"])


def test_the_first_invoice_and_the_card_carry_the_buyers_vat(
        ctx: Context, shop: Shop, admin: dict[str, str]) -> None:
    italian_seller(ctx)
    owner, sub = subscribe(shop, GERMAN)  # medium: 49.00 a month
    assert sub["billing_details"] == {**GERMAN, "address": None, "vat_id": None,
                                      "vat_id_status": None}
    [invoice] = shop.invoices(owner, sub["id"])
    assert (amount(invoice["subtotal"]), amount(invoice["tax"]["amount"]),
            amount(invoice["total"])) == (4900, 931, 5831)
    assert (invoice["tax"]["treatment"], invoice["tax"]["rate"]) == ("standard", "19")
    check_sums(invoice)
    charge = next(c for c in charges(shop.client, admin)
                  if c["metadata"].get("subscription_id") == sub["id"])
    assert amount(charge["amount"]) == 5831
    [mail] = [m for m in shop.outbox(f"user{shop.count}@example.test")
              if "subscription" in m["subject"]]
    assert "VAT 19%: $9.31." in " ".join(mail["body"].split())


def test_billing_details_are_required_when_tax_is_collected(ctx: Context, shop: Shop) -> None:
    italian_seller(ctx)
    owner, _ = shop.account()
    site = shop.site(owner)
    body = {"plan": "small", "interval": "month", "card_token": "tok_visa",
            "site_id": site["id"]}
    found = error(shop.client.post("/v1/subscriptions", headers=owner, json=body),
                  422, "COUNTRY_REQUIRED")
    assert found["details"]["field"] == "billing_details.country"
    error(shop.client.post("/v1/subscriptions", headers=owner, json={
        **body, "billing_details": {"name": "X", "country": "FR", "vat_id": "FR1"}}),
        422, "INVALID_VAT_ID")


def test_new_billing_details_tax_the_next_renewal(ctx: Context, shop: Shop) -> None:
    italian_seller(ctx)
    owner, sub = subscribe(shop, GERMAN)
    r = shop.client.put(f"/v1/subscriptions/{sub['id']}/billing-details", headers=owner,
                        json=FRENCH_BUSINESS)
    assert r.status_code == 200, r.text
    assert r.json()["billing_details"]["vat_id_status"] == "valid"
    shop.advance(31 * DAY)
    first, renewal = shop.invoices(owner, sub["id"])
    assert amount(first["total"]) == 5831
    assert renewal["reason"] == "renewal"
    assert renewal["tax"]["treatment"] == "reverse_charge"
    assert "Article 196" in renewal["tax"]["note"]
    assert amount(renewal["total"]) == 4900
    stranger, _ = shop.account()
    error(shop.client.put(f"/v1/subscriptions/{sub['id']}/billing-details", headers=stranger,
                          json=GERMAN), 404, "SUBSCRIPTION_NOT_FOUND")
    error(shop.client.put(f"/v1/subscriptions/{sub['id']}/billing-details", headers=owner,
                          json={"name": "Ana"}), 422, "COUNTRY_REQUIRED")


def test_untaxed_by_default(shop: Shop) -> None:
    owner, sub = subscribe(shop, None)
    assert sub["billing_details"] is None
    [invoice] = shop.invoices(owner, sub["id"])
    assert invoice["tax"]["treatment"] == "not_collected"
    assert amount(invoice["total"]) == amount(invoice["subtotal"]) == 4900
    preview = shop.client.post(f"/v1/subscriptions/{sub['id']}/change/preview", headers=owner,
                               json={"plan": "large"}).json()
    assert preview["tax"]["treatment"] == "not_collected"
    assert preview["subtotal"] == preview["amount_due"]


def test_subscription_invoices_are_in_the_tax_report(ctx: Context, shop: Shop,
                                                     admin: dict[str, str]) -> None:
    italian_seller(ctx)
    subscribe(shop, GERMAN)
    r = shop.client.get("/v1/reports/tax", params={"from": "2025-06-01", "to": "2025-06-30"},
                        headers=admin)
    [row] = r.json()["data"]
    assert (row["country"], amount(row["net"]), amount(row["tax"])) == ("DE", 4900, 931)


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seconds=st.integers(min_value=60, max_value=29 * DAY),
       plan=st.sampled_from(["small", "large"]), inclusive=st.booleans())
def test_a_taxed_preview_equals_the_change(ctx: Context, shop: Shop, seconds: int, plan: str,
                                           inclusive: bool) -> None:
    italian_seller(ctx, "inclusive" if inclusive else "exclusive")
    shop.set_clock(START)
    owner, sub = subscribe(shop, GERMAN)
    shop.set_clock(START + timedelta(seconds=seconds))
    url = f"/v1/subscriptions/{sub['id']}/change"
    preview = shop.client.post(url + "/preview", headers=owner, json={"plan": plan})
    change = shop.client.post(url, headers=owner, json={"plan": plan})
    assert preview.status_code == change.status_code == 200, change.text
    assert preview.json() == change.json()
    body = change.json()
    if amount(body["amount_due"]) > 0:
        assert amount(body["tax"]["amount"]) >= 0
        assert amount(body["subtotal"]) + amount(body["tax"]["amount"]) == \
            amount(body["amount_due"])
    for invoice in shop.invoices(owner, sub["id"]):
        check_sums(invoice)


def test_the_billing_pages_subscribe_asks_for_the_country_and_taxes_the_invoice(
        ctx: Context, shop: Shop, client: TestClient) -> None:
    from tests.portal.helpers import field_error, post

    italian_seller(ctx)
    signed = post(client, "/signup", {"name": "Own", "email": "own@acme.test",
                                      "password": "pw"}, follow_redirects=False)
    assert signed.status_code == 303
    made = post(client, "/sites", {"name": "Acme"}, token_from="/sites", follow_redirects=False)
    billing = made.headers["location"] + "/billing"
    assert 'id="country"' in client.get(billing).text
    form = {"action": "subscribe", "plan": "medium", "interval": "month",
            "card_token": "tok_visa"}
    refused = post(client, billing, form)
    assert refused.status_code == 422
    assert "country is required" in (field_error(refused.text, "country") or "")
    wrong = post(client, billing, {**form, "country": "FR", "vat_id": "FR40303265046"})
    assert "check digit" in (field_error(wrong.text, "vat_id") or "")
    done = post(client, billing, {**form, "country": "DE"}, follow_redirects=False)
    assert done.status_code == 303, done.text
    page = client.get(billing).text
    invoice_link = next(part.split('"')[0] for part in page.split('href="')[1:]
                        if "/invoices/" in part and ".pdf" not in part.split('"')[0])
    invoice = client.get(invoice_link).text
    total = invoice.split("Total (USD)")[1][:200]
    assert "VAT 19%" in invoice and "$9.31" in invoice and "$58.31" in total


def test_the_console_shows_a_subscriptions_billing_details_and_invoice_tax(
        ctx: Context, shop: Shop) -> None:
    from tests.staff.helpers import log_in

    italian_seller(ctx)
    _, sub = subscribe(shop, GERMAN)
    log_in(shop.client, "support")
    page = shop.client.get(f"/admin/subscriptions/{sub['id']}").text
    assert "Ana Diaz, Acme GmbH; DE; tax standard" in page
    assert "$9.31 (19%)" in page
