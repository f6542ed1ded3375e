"""Tax on quotes and orders through the API: the golden numbers of an Italian seller registered
for the EU, the card charged the total with tax, the errors a buyer can cause, and the default
(no registrations) that changes nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from licensor.core.context import Context
from licensor.tax.rules import EU_REVERSE_CHARGE_NOTE
from tests.orders.helpers import error
from tests.tax.helpers import amount, buyer, charges, italian_seller, ordered, paid

FRENCH_VAT_ID = "FR40303265045"
ITALIAN_VAT_ID = "IT00743110157"


def test_a_german_consumer_pays_19_percent_and_the_card_is_charged_the_total(
        ctx: Context, client: TestClient, admin: dict[str, str]) -> None:
    italian_seller(ctx)
    order = paid(client, country="DE")
    assert order["status"] == "fulfilled"
    assert amount(order["subtotal"]) == 8900
    assert order["tax"]["treatment"] == "standard"
    assert (order["tax"]["country"], order["tax"]["rate"]) == ("DE", "19")
    assert amount(order["tax"]["amount"]) == 1691
    assert amount(order["total"]) == 10591
    charge = next(c for c in charges(client, admin)
                  if c["metadata"].get("order_id") == order["id"])
    assert charge["amount"] == {"amount": 10591, "currency": "USD"}


def test_a_french_business_with_a_valid_vat_id_is_reverse_charged(ctx: Context,
                                                                  client: TestClient) -> None:
    italian_seller(ctx)
    order = paid(client, country="FR", vat_id="fr 40 303 265 045")
    assert order["tax"] == {"treatment": "reverse_charge", "country": "FR", "rate": None,
                            "amount": {"amount": 0, "currency": "USD"}, "vat_id": FRENCH_VAT_ID,
                            "vat_id_status": "valid", "note": EU_REVERSE_CHARGE_NOTE}
    assert amount(order["total"]) == amount(order["subtotal"]) == 8900
    assert order["buyer"]["vat_id"] == FRENCH_VAT_ID


def test_an_italian_business_pays_the_italian_rate(ctx: Context, client: TestClient) -> None:
    italian_seller(ctx)
    order = paid(client, country="IT", vat_id=ITALIAN_VAT_ID)
    assert (order["tax"]["treatment"], order["tax"]["rate"]) == ("standard", "22")
    assert order["tax"]["vat_id_status"] == "valid"
    assert amount(order["total"]) == 10858


def test_a_us_buyer_is_outside_scope(ctx: Context, client: TestClient) -> None:
    italian_seller(ctx)
    order = paid(client, country="us")
    assert (order["tax"]["treatment"], order["tax"]["country"]) == ("outside_scope", "US")
    assert amount(order["total"]) == 8900


def test_five_users_to_a_dutch_consumer(ctx: Context, client: TestClient) -> None:
    italian_seller(ctx)
    order = paid(client, seats=5, country="NL")
    assert (amount(order["subtotal"]), amount(order["tax"]["amount"])) == (42900, 9009)
    assert amount(order["total"]) == 51909


def test_inclusive_prices_take_the_tax_out_of_the_total(ctx: Context,
                                                         client: TestClient) -> None:
    italian_seller(ctx, mode="inclusive")
    order = paid(client, country="DE")
    assert (amount(order["subtotal"]), amount(order["tax"]["amount"]),
            amount(order["total"])) == (7479, 1421, 8900)


def test_a_quote_with_a_customer_shows_the_tax(ctx: Context, client: TestClient) -> None:
    italian_seller(ctx)
    r = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 1,
                                        "customer": {"country": "DE"}})
    assert r.status_code == 201, r.text
    q = r.json()
    assert (amount(q["subtotal"]), amount(q["tax"]["amount"]), amount(q["total"])) == (
        8900, 1691, 10591)
    assert q["lines"] == [{"description": "Mockups 3 for Desktop, 1 user",
                           "amount": {"amount": 8900, "currency": "USD"}}]
    # Without a customer the tax is not known yet.
    bare = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 1})
    assert (bare.json()["tax"], amount(bare.json()["total"])) == (None, 8900)


def test_the_order_is_taxed_for_the_buyer_not_for_the_quotes_customer(
        ctx: Context, client: TestClient) -> None:
    italian_seller(ctx)
    q = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 1,
                                        "customer": {"country": "DE"}}).json()
    r = client.post("/v1/orders", json={"quote_id": q["id"], "payment_method": "card",
                                        "buyer": buyer("IT")})
    assert amount(r.json()["total"]) == 10858


def test_a_coupon_comes_off_before_tax(ctx: Context, client: TestClient,
                                       admin: dict[str, str]) -> None:
    italian_seller(ctx)
    r = client.post("/v1/coupons", json={"code": "TENOFF", "name": "Ten off",
                                         "percent_off": 10}, headers=admin)
    assert r.status_code == 201, r.text
    q = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 1,
                                        "coupon": "TENOFF", "customer": {"country": "DE"}})
    assert q.status_code == 201, q.text
    # 89.00 - 8.90 = 80.10; 19% of it is 15.219 → 15.22.
    assert (amount(q.json()["subtotal"]), amount(q.json()["tax"]["amount"]),
            amount(q.json()["total"])) == (8010, 1522, 9532)


def test_the_country_is_required_when_tax_is_collected(ctx: Context,
                                                       client: TestClient) -> None:
    italian_seller(ctx)
    q = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 1}).json()
    body = error(client.post("/v1/orders", json={"quote_id": q["id"], "payment_method": "card",
                                                 "buyer": buyer()}), 422, "COUNTRY_REQUIRED")
    assert body["details"]["field"] == "buyer.country"
    body = error(client.post("/v1/orders", json={"quote_id": q["id"], "payment_method": "card",
                                                 "buyer": buyer("ZZ")}), 422, "INVALID_REQUEST")
    assert body["details"]["field"] == "buyer.country"


def test_an_ill_formed_vat_id_is_refused(ctx: Context, client: TestClient) -> None:
    italian_seller(ctx)
    q = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 1}).json()
    for wrong in ("FR40303265046", "DE136695976", "hello"):  # check digit, country, format
        body = error(client.post("/v1/orders", json={
            "quote_id": q["id"], "payment_method": "card",
            "buyer": buyer("FR", wrong)}), 422, "INVALID_VAT_ID")
        assert body["details"]["field"] == "vat_id"
    error(client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 1,
                                          "customer": {"country": "FR", "vat_id": "FR1"}}),
          422, "INVALID_VAT_ID")


def test_without_registrations_nothing_is_taxed_and_answers_keep_their_fields(
        ctx: Context, client: TestClient, admin: dict[str, str]) -> None:
    order = paid(client, country="DE", vat_id="not checked")
    assert order["tax"]["treatment"] == "not_collected"
    assert amount(order["total"]) == amount(order["subtotal"]) == 8900
    plain = paid(client)
    assert "country" not in plain["buyer"]
    assert plain["tax"] == {"treatment": "not_collected", "country": None, "rate": None,
                            "amount": {"amount": 0, "currency": "USD"}, "vat_id": None,
                            "vat_id_status": None, "note": None}
    assert {"id", "number", "status", "total", "licenses", "charge_id"} <= set(plain)


def test_a_rate_change_applies_from_its_date(ctx: Context, client: TestClient,
                                             admin: dict[str, str]) -> None:
    italian_seller(ctx)
    r = client.put("/v1/tax-rates/DE", json={"rate": "21", "effective_from": "2027-01-01"},
                   headers=admin)
    assert r.status_code == 200, r.text
    assert r.json() == {"country": "DE", "rate": "21", "effective_from": "2027-01-01"}
    for now, total in (("2026-12-31T23:59:00Z", 10591), ("2027-01-01T00:00:00Z", 10769)):
        assert client.put("/v1/sandbox/clock", json={"now": now}, headers=admin).is_success
        assert amount(ordered(client, country="DE")["total"]) == total


def test_the_rate_table_lists_shipped_rates_and_vendor_changes(
        client: TestClient, admin: dict[str, str]) -> None:
    rates = client.get("/v1/tax-rates").json()["data"]
    assert {"country": "FI", "rate": "25.5", "effective_from": "2024-09-01"} in rates
    assert {"country": "RO", "rate": "21", "effective_from": "2025-08-01"} in rates
    r = client.put("/v1/tax-rates/us", json={"rate": "7.25", "effective_from": "2026-01-01"},
                   headers=admin)
    assert r.status_code == 200, r.text
    assert {"country": "US", "rate": "7.25", "effective_from": "2026-01-01"} in \
        client.get("/v1/tax-rates").json()["data"]
    error(client.put("/v1/tax-rates/DE", json={"rate": "21", "effective_from": "2027-01-01"}),
          401, "UNAUTHENTICATED")
    for body, field in (({"rate": "abc", "effective_from": "2027-01-01"}, "rate"),
                        ({"rate": "100", "effective_from": "2027-01-01"}, "rate"),
                        ({"rate": "19", "effective_from": "soon"}, "effective_from")):
        found = error(client.put("/v1/tax-rates/DE", json=body, headers=admin),
                      422, "INVALID_REQUEST")
        assert found["details"]["field"] == field
    error(client.put("/v1/tax-rates/XX", json={"rate": "19", "effective_from": "2027-01-01"},
                     headers=admin), 422, "INVALID_REQUEST")


def test_a_registration_without_a_rate_is_refused_with_what_to_do(
        ctx: Context, client: TestClient) -> None:
    ctx.settings.vendor_country, ctx.settings.tax_registrations = "US", "US"
    q = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 1}).json()
    body = error(client.post("/v1/orders", json={"quote_id": q["id"], "payment_method": "card",
                                                 "buyer": buyer("US")}), 409, "TAX_RATE_MISSING")
    assert "PUT /v1/tax-rates/US" in body["message"]


def test_the_evidence_is_kept(ctx: Context, client: TestClient) -> None:
    italian_seller(ctx)
    order = paid(client, country="DE")
    from licensor.tax import documents

    with ctx.db.reader() as session:
        invoice = documents.invoice_of(session, order["id"])
        assert invoice is not None
        assert invoice.evidence["buyer_country"] == "DE"
        assert invoice.evidence["ip_address"]  # the TestClient's address
        assert (invoice.net, invoice.tax, invoice.number) == (8900, 1691, order["number"])


def test_a_country_corrected_after_a_declined_card_is_the_one_the_order_uses(
        ctx: Context, client: TestClient, admin: dict[str, str]) -> None:
    import re

    from tests.portal.helpers import post

    italian_seller(ctx)
    q = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 1}).json()
    form = {"name": "Ana", "email": "ana-fix@acme.test", "payment_method": "card",
            "country": "DE", "card_token": "tok_declined"}
    declined = post(client, f"/checkout/{q['id']}", form)
    assert declined.status_code == 402
    kept = re.search(r'name="order_id" value="([^"]+)"', declined.text)
    assert kept is not None and "$105.91" in declined.text
    paid = post(client, f"/checkout/{q['id']}", {
        **form, "order_id": kept.group(1), "country": "FR", "vat_id": "FR40303265045",
        "card_token": "tok_visa"}, follow_redirects=False)
    assert paid.status_code == 303, paid.text
    order = client.get(f"/v1/orders/{kept.group(1)}", headers=admin).json()
    assert (order["status"], order["tax"]["treatment"]) == ("fulfilled", "reverse_charge")
    assert order["buyer"]["country"] == "FR" and amount(order["total"]) == 8900
    charge = next(c for c in charges(client, admin)
                  if c["metadata"].get("order_id") == order["id"] and c["status"] != "failed")
    assert amount(charge["amount"]) == 8900
