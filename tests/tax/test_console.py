"""The console: /admin/tax with Download CSV, an order's tax, evidence and credit notes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from licensor.core.context import Context
from tests.staff.helpers import log_in
from tests.tax.helpers import italian_seller, paid

DAY = {"now": "2026-05-10T10:00:00Z"}


def test_the_tax_page_shows_last_quarter_and_downloads_csv(ctx: Context, client: TestClient,
                                                           admin: dict[str, str]) -> None:
    italian_seller(ctx)
    assert client.put("/v1/sandbox/clock", json={"now": "2026-02-10T10:00:00Z"},
                      headers=admin).is_success
    paid(client, country="DE")
    assert client.put("/v1/sandbox/clock", json=DAY, headers=admin).is_success
    log_in(client, "support")
    page = client.get("/admin/tax")  # May: the first quarter is the one to file
    assert page.status_code == 200
    assert 'value="2026-01-01"' in page.text and 'value="2026-03-31"' in page.text
    assert "$16.91" in page.text and "19%" in page.text
    csv = client.get("/admin/tax.csv", params={"from": "2026-01-01", "to": "2026-03-31"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[1] == "DE,standard,USD,19,89.00,16.91,1"
    empty = client.get("/admin/tax", params={"from": "2026-04-01", "to": "2026-04-30"})
    assert "Nothing was invoiced or credited" in empty.text
    wrong = client.get("/admin/tax", params={"from": "yesterday", "to": "2026-04-30"})
    assert wrong.status_code == 422 and 'id="from-error"' in wrong.text


def test_an_orders_page_shows_its_tax_evidence_and_credit_notes(
        ctx: Context, client: TestClient, admin: dict[str, str]) -> None:
    italian_seller(ctx)
    order = paid(client, country="FR", vat_id="FR40303265045")
    refunded = client.post(f"/v1/orders/{order['id']}/refund", headers=admin).json()
    log_in(client, "support")
    page = client.get(f"/admin/orders/{order['id']}")
    assert "reverse charge (FR), buyer's VAT ID FR40303265045 (valid)" in page.text
    assert "country given: FR" in page.text and "request from testclient" in page.text
    note = refunded["credit_notes"][0]
    assert f"/admin/credit-notes/{note['id']}.pdf" in page.text
    pdf = client.get(f"/admin/credit-notes/{note['id']}.pdf")
    assert pdf.headers["content-type"] == "application/pdf"


def test_the_tax_page_needs_staff(client: TestClient) -> None:
    r = client.get("/admin/tax", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/admin/login")
