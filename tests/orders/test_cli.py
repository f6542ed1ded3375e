"""The quotes and orders CLI on the same database as the API."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from licensor.core.context import Context
from tests.builders import create_license
from tests.conftest import Run
from tests.orders.helpers import BUYER, order, quote


def test_quotes_create(cli: Run, ctx: Context) -> None:
    q = json.loads(cli("quotes", "create", "--kind", "new", "--product", "desktop",
                       "--seats", "5"))
    assert q["total"] == {"amount": 42900, "currency": "USD"}
    lic = create_license(ctx, seats=1)
    up = json.loads(cli("quotes", "create", "--kind", "upgrade", "--name", lic.license_name,
                        "--key", lic.license_key, "--seats", "5"))
    assert up["total"]["amount"] == 34000 and up["license_id"] == lic.id
    out = cli("quotes", "create", "--kind", "upgrade", "--name", lic.license_name,
              "--key", lic.license_key, "--seats", "1", code=2)
    assert "UPGRADE_NOT_LARGER" in out


def test_orders_invoice_mark_paid_show_list_refund(cli: Run, client: TestClient) -> None:
    q = quote(client, kind="new", product="desktop", seats=4)
    o = order(client, q["id"], method="invoice")
    listed = json.loads(cli("orders", "list", "--status", "awaiting_payment", "--json"))
    assert [x["number"] for x in listed] == ["LIC-000001"]
    assert "number" in cli("orders", "list")
    done = json.loads(cli("orders", "mark-paid", o["number"]))
    assert done["status"] == "fulfilled" and done["licenses"][0]["email"] == BUYER["email"]
    assert json.loads(cli("orders", "show", o["id"]))["status"] == "fulfilled"
    refunded = json.loads(cli("orders", "refund", o["number"]))
    assert refunded["status"] == "refunded"
    assert "ORDER_NOT_REFUNDABLE" in cli("orders", "refund", o["number"], code=2)
    assert "ORDER_NOT_FOUND" in cli("orders", "show", "LIC-999999", code=2)
