"""The vendor's terms are settings: the invoice minimum, Net terms, quote validity and refund
window act on their configured values, and the sentences that name them say those values."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient

from licensor.core.context import Context
from tests.builders import set_clock
from tests.orders.helpers import buy, error, quote

BUYER = {"email": "buyer@acme.test", "name": "Ann Buyer"}


def test_the_invoice_minimum_and_net_terms_are_the_configured_ones(ctx: Context,
                                                                   client: TestClient) -> None:
    ctx.settings.invoice_minimum, ctx.settings.invoice_terms_days = 200, 45
    q = quote(client, kind="new", product="desktop", seats=3)  # 267.00: over 200.00
    r = client.post("/v1/orders", json={"quote_id": q["id"], "buyer": BUYER,
                                        "payment_method": "invoice"})
    assert r.status_code == 201, r.text
    created = datetime.fromisoformat(r.json()["created_at"])
    assert (datetime.fromisoformat(r.json()["due_at"]) - created).days == 45
    ctx.settings.invoice_minimum = 1000
    q = quote(client, kind="new", product="desktop", seats=3)
    body = error(client.post("/v1/orders", json={"quote_id": q["id"], "buyer": BUYER,
                                                 "payment_method": "invoice"}),
                 409, "PAYMENT_METHOD_NOT_ALLOWED")
    assert body["details"]["minimum"] == {"amount": 100000, "currency": "USD"}
    assert "$1,000.00" in body["message"]


def test_quote_validity_is_the_configured_one(ctx: Context, client: TestClient) -> None:
    ctx.settings.quote_validity_days = 10
    q = quote(client, kind="new", product="desktop", seats=3)
    lived = datetime.fromisoformat(q["expires_at"]) - datetime.fromisoformat(q["created_at"])
    assert lived.days == 10


def test_an_expired_quote_says_the_days_it_was_valid(ctx: Context, client: TestClient,
                                                     admin: dict[str, str]) -> None:
    ctx.settings.quote_validity_days = 10
    set_clock(client, admin, "2026-01-01T00:00:00Z")
    q = quote(client, kind="new", product="desktop", seats=3)
    set_clock(client, admin, "2026-01-11T00:00:00Z")
    body = error(client.post("/v1/orders", json={"quote_id": q["id"], "buyer": BUYER,
                                                 "payment_method": "card"}),
                 409, "QUOTE_EXPIRED")
    assert "quotes are valid 10 days" in body["message"]


def test_the_refund_window_is_the_configured_one(ctx: Context, client: TestClient,
                                                 admin: dict[str, str]) -> None:
    ctx.settings.refund_window_days = 5
    clock = {"now": "2026-01-01T00:00:00Z"}
    assert client.put("/v1/sandbox/clock", json=clock, headers=admin).status_code == 200
    done = buy(client, kind="new", product="desktop", seats=1)
    clock = {"now": "2026-01-07T00:00:00Z"}
    assert client.put("/v1/sandbox/clock", json=clock, headers=admin).status_code == 200
    body = error(client.post(f"/v1/orders/{done['id']}/refund", headers=admin),
                 409, "REFUND_WINDOW_PASSED")
    assert "more than 5 days ago" in body["message"]
    assert body["details"]["refund_window_days"] == 5
