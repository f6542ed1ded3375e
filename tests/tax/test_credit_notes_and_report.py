"""A refund's credit note (own gapless CN- numbers, negative amounts, PDF, on the order and its
page) and the tax report that nets it out, over the API and the CLI; the tax breakdown on the
invoice PDF and the mails."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from fastapi.testclient import TestClient

from licensor.core.context import Context
from tests.orders.helpers import error
from tests.tax.helpers import amount, italian_seller, ordered, paid

DAY = {"now": "2026-03-10T10:00:00Z"}


def in_pdf(text: str, pdf: bytes) -> bool:
    return text.replace("(", "\\(").replace(")", "\\)").encode() in pdf


def refund(client: TestClient, admin: dict[str, str], order_id: str) -> dict[str, Any]:
    r = client.post(f"/v1/orders/{order_id}/refund", headers=admin)
    assert r.status_code == 200, r.text
    return r.json()


def report(client: TestClient, admin: dict[str, str], start: str,
           end: str) -> list[dict[str, Any]]:
    r = client.get("/v1/reports/tax", params={"from": start, "to": end}, headers=admin)
    assert r.status_code == 200, r.text
    return list(r.json()["data"])


def row(rows: list[dict[str, Any]], country: str, treatment: str) -> dict[str, Any]:
    return next(r for r in rows if (r["country"], r["treatment"]) == (country, treatment))


def test_a_refund_issues_a_credit_note_and_the_report_nets_it_out(
        ctx: Context, client: TestClient, admin: dict[str, str]) -> None:
    italian_seller(ctx)
    assert client.put("/v1/sandbox/clock", json=DAY, headers=admin).is_success
    german = paid(client, country="DE")
    paid(client, country="DE")
    paid(client, country="FR", vat_id="FR40303265045")
    paid(client, country="US")
    refunded = refund(client, admin, german["id"])
    [note] = refunded["credit_notes"]
    assert note["number"] == "CN-000001" and note["order_id"] == german["id"]
    assert (amount(note["subtotal"]), amount(note["tax"]), amount(note["total"])) == (
        -8900, -1691, -10591)
    assert (note["treatment"], note["country"], note["rate"]) == ("standard", "DE", "19")
    assert client.get(f"/v1/orders/{german['id']}", headers=admin).json()["credit_notes"] == [
        note]

    rows = report(client, admin, "2026-03-01", "2026-03-31")
    de = row(rows, "DE", "standard")
    # Two invoices and one credit note: one sale's net and tax remain.
    assert (de["currency"], de["rate"], de["documents"]) == ("USD", "19", 3)
    assert (amount(de["net"]), amount(de["tax"])) == (8900, 1691)
    fr = row(rows, "FR", "reverse_charge")
    assert (amount(fr["net"]), amount(fr["tax"]), fr["rate"]) == (8900, 0, None)
    assert amount(row(rows, "US", "outside_scope")["net"]) == 8900
    assert report(client, admin, "2026-04-01", "2026-04-30") == []


def test_credit_notes_are_numbered_without_gaps(ctx: Context, client: TestClient,
                                                admin: dict[str, str]) -> None:
    first, second = paid(client), paid(client)
    # A refusal rolls back before a number is taken.
    unpaid = ordered(client)
    refund(client, admin, unpaid["id"])  # canceled: never paid, so no credit note
    numbers = [refund(client, admin, o["id"])["credit_notes"][0]["number"]
               for o in (second, first)]
    assert numbers == ["CN-000001", "CN-000002"]
    assert client.get(f"/v1/orders/{unpaid['id']}", headers=admin).json()["credit_notes"] == []
    # A refund before tax was collected credits the whole total, not_collected.
    note = client.get(f"/v1/orders/{second['id']}", headers=admin).json()["credit_notes"][0]
    assert (amount(note["total"]), note["treatment"]) == (-8900, "not_collected")


def test_the_credit_note_pdf_for_the_vendor_and_on_the_buyers_order_page(
        ctx: Context, client: TestClient, admin: dict[str, str]) -> None:
    italian_seller(ctx)
    order = paid(client, country="DE")
    note = refund(client, admin, order["id"])["credit_notes"][0]
    pdf = client.get(f"/v1/credit-notes/{note['id']}/pdf", headers=admin)
    assert pdf.headers["content-type"] == "application/pdf"
    for text in ("Credit note CN-000001", f"Refund of invoice {order['number']}", "VAT 19%",
                 "-$16.91", "-$105.91"):
        assert in_pdf(text, pdf.content), text
    error(client.get(f"/v1/credit-notes/{note['id']}/pdf"), 401, "UNAUTHENTICATED")
    error(client.get("/v1/credit-notes/cn_nope/pdf", headers=admin), 404,
          "CREDIT_NOTE_NOT_FOUND")
    mails = client.get("/v1/sandbox/outbox", params={"to": "ana@acme.test"},
                       headers=admin).json()["data"]
    link = next(word for m in mails for word in m["body"].split()
                if f"/orders/{order['id']}?token=" in word)
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)
    assert "Credit note CN-000001 (PDF)" in page.text
    token = link.split("token=")[1]
    mine = client.get(f"/orders/{order['id']}/credit-notes/{note['id']}.pdf",
                      params={"token": token})
    assert mine.status_code == 200 and in_pdf("Credit note CN-000001", mine.content)
    assert client.get(f"/orders/{order['id']}/credit-notes/{note['id']}.pdf",
                      params={"token": "guess"}).status_code == 404


def test_the_invoice_pdf_and_the_mails_show_the_tax(ctx: Context, client: TestClient,
                                                    admin: dict[str, str]) -> None:
    italian_seller(ctx)
    order = paid(client, country="FR", vat_id="FR40303265045")
    mails = client.get("/v1/sandbox/outbox", params={"to": "ana@acme.test"},
                       headers=admin).json()["data"]
    [receipt] = [m for m in mails if order["number"] in m["subject"]]
    assert "Reverse charge: $0.00" in receipt["body"]
    assert "Article 196" in receipt["body"]
    link = next(word for word in receipt["body"].split() if "token=" in word)
    invoice = client.get(f"/orders/{order['id']}/invoice.pdf",
                         params={"token": link.split("token=")[1]})
    for text in ("Subtotal", "Reverse charge", "Article 196", "VAT ID: FR40303265045",
                 "VAT ID: IT00743110157", "$89.00"):
        assert in_pdf(text, invoice.content), text
    german = paid(client, country="DE", email="de@acme.test")
    mails = client.get("/v1/sandbox/outbox", params={"to": "de@acme.test"},
                       headers=admin).json()["data"]
    [receipt] = [m for m in mails if german["number"] in m["subject"]]
    assert "Subtotal: $89.00; VAT 19%: $16.91." in " ".join(receipt["body"].split())
    q = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 3,
                                        "customer": {"country": "DE"}}).json()
    r = client.post("/v1/orders", json={"quote_id": q["id"], "payment_method": "invoice",
                                        "buyer": {"name": "Bo", "email": "bo@acme.test",
                                                  "country": "DE"}})
    assert r.status_code == 201, r.text
    [invoice_mail] = client.get("/v1/sandbox/outbox", params={"to": "bo@acme.test"},
                                headers=admin).json()["data"]
    for text in ("Subtotal: $267.00", "VAT 19%: $50.73", "Total: $317.73"):
        assert text in invoice_mail["body"], text
    quote_page = client.get(f"/quotes/{q['id']}")
    assert "VAT 19%" in quote_page.text and "$317.73" in quote_page.text


def test_the_report_refuses_bad_dates(client: TestClient, admin: dict[str, str]) -> None:
    for params, field in (({"from": "2026-13-01", "to": "2026-12-31"}, "from"),
                          ({"from": "2026-01-01"}, "to"),
                          ({"from": "2026-02-01", "to": "2026-01-01"}, "to")):
        body = error(client.get("/v1/reports/tax", params=params, headers=admin),
                     422, "INVALID_REQUEST")
        assert body["details"]["field"] == field
    error(client.get("/v1/reports/tax", params={"from": "2026-01-01", "to": "2026-01-31"}),
          401, "UNAUTHENTICATED")


def test_the_cli_prints_the_report_as_json_and_csv(ctx: Context, client: TestClient,
                                                   admin: dict[str, str], cli: Any) -> None:
    italian_seller(ctx)
    assert client.put("/v1/sandbox/clock", json=DAY, headers=admin).is_success
    paid(client, country="DE")
    paid(client, seats=5, country="NL")
    data = json.loads(cli("reports", "tax", "--from", "2026-03-01", "--to", "2026-03-31"))
    assert {(r["country"], amount(r["tax"])) for r in data["data"]} == {("DE", 1691),
                                                                        ("NL", 9009)}
    rows = list(csv.DictReader(io.StringIO(
        cli("reports", "tax", "--from", "2026-03-01", "--to", "2026-03-31", "--csv"))))
    assert rows[1] == {"country": "NL", "treatment": "standard", "currency": "USD",
                       "rate": "21", "net": "429.00", "tax": "90.09", "documents": "1"}
    assert "INVALID_REQUEST" in cli("reports", "tax", "--from", "x", "--to", "y", code=2)
