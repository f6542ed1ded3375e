"""Orders: card and invoice payment, fulfilment exactly once, the upgrade path end to end."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from licensor.core import audit, events
from licensor.core.context import Context
from licensor.core.models import MailRow
from tests.builders import create_license, license_info, outbox
from tests.orders.helpers import BUYER, buy, error, order, pay, quote


def register(client: TestClient, info: dict[str, str], user: str) -> Any:
    return client.post("/v1/registrations", json={**info, "user": user})


def test_new_license_by_card(client: TestClient, admin: dict[str, str]) -> None:
    q = quote(client, kind="new", product="desktop", seats=2)
    o = order(client, q["id"])
    assert o["status"] == "awaiting_payment" and o["licenses"] == [] and o["due_at"] is None
    assert o["number"] == "LIC-000001" and o["total"] == {"amount": 17800, "currency": "USD"}
    done = pay(client, o["id"])
    assert done["status"] == "fulfilled"
    [lic] = done["licenses"]
    assert lic["seats"] == 2 and lic["license_name"] == "Acme Inc"
    assert lic["email"] == BUYER["email"] and lic["status"] == "active"
    info = {"license_name": lic["license_name"], "license_key": lic["license_key"]}
    assert client.post("/v1/licenses/validate", json=info).json()["code"] == "VALID"
    mails = outbox(client, admin, BUYER["email"])
    assert any(lic["license_key"] in m["body"] and "LIC-000001" in m["subject"] for m in mails)
    assert client.get(f"/v1/orders/{o['id']}", headers=admin).json()["status"] == "fulfilled"


def test_license_name_from_order_else_company_else_name(client: TestClient) -> None:
    q = quote(client, kind="new", product="desktop", seats=1)
    o = order(client, q["id"], license_name="Acme Design Team")
    assert pay(client, o["id"])["licenses"][0]["license_name"] == "Acme Design Team"
    q = quote(client, kind="new", product="desktop", seats=1)
    r = client.post("/v1/orders", json={"quote_id": q["id"], "payment_method": "card",
                                        "buyer": {"name": "Solo Dev", "email": "solo@x.test"}})
    assert pay(client, r.json()["id"])["licenses"][0]["license_name"] == "Solo Dev"


def test_order_numbers_are_sequential(client: TestClient) -> None:
    numbers = [order(client, quote(client, kind="new", product="desktop", seats=1)["id"])["number"]
               for _ in range(3)]
    assert numbers == ["LIC-000001", "LIC-000002", "LIC-000003"]


def test_upgrade_end_to_end(ctx: Context, client: TestClient, admin: dict[str, str]) -> None:
    seen: list[dict[str, Any]] = []
    handler = events.on("license.upgraded")(lambda _c, _s, _n, **kw: seen.append(kw))
    try:
        old = create_license(ctx, seats=1, email="it@acme.test")
        old_info = license_info(old)
        assert register(client, old_info, "alice").status_code == 201
        assert register(client, old_info, "bob").json()["error"]["code"] == "SEATS_EXHAUSTED"
        done = buy(client, kind="upgrade", seats=5, **old_info)
    finally:
        events._HANDLERS["license.upgraded"].remove(handler)
    assert done["status"] == "fulfilled" and done["kind"] == "upgrade"
    assert done["total"] == {"amount": 34000, "currency": "USD"}
    [new] = done["licenses"]
    new_info = {"license_name": new["license_name"], "license_key": new["license_key"]}
    assert new["seats"] == 5 and new["license_name"] == old.license_name
    assert new["email"] == "it@acme.test" and new["supersedes"] == old.id
    assert [r["user"] for r in new["registrations"]] == ["alice"]
    # old key: still valid for registered users, superseded
    got = client.post("/v1/licenses/validate", json=old_info).json()
    assert got["valid"] is True and got["code"] == "SUPERSEDED"
    assert got["license"]["superseded_by"] == new["id"]
    assert client.post("/v1/licenses/validate", json=new_info).json()["code"] == "VALID"
    # alice keeps working on the old key; newcomers only with the new one
    assert register(client, old_info, "alice").status_code == 200
    error(register(client, old_info, "bob"), 409, "LICENSE_SUPERSEDED")
    assert register(client, new_info, "bob").status_code == 201
    # the event for the marketplace migration capability
    assert len(seen) == 1 and seen[0]["old"].id == old.id and seen[0]["new"].id == new["id"]
    assert seen[0]["order"].number == done["number"]
    # mailed to the buyer
    mails = outbox(client, admin, BUYER["email"])
    assert any(new["license_key"] in m["body"] for m in mails)
    # audited
    with ctx.db.reader() as session:
        actions = [e.action for e in audit.entries_for(session, old.id)]
        assert "license.superseded" in actions
        assert [e.action for e in audit.entries_for(session, done["id"])] == [
            "order.created", "order.fulfilled"]


def test_server_upgrade_resets_maintenance(ctx: Context, client: TestClient,
                                          admin: dict[str, str]) -> None:
    client.put("/v1/sandbox/clock", json={"now": "2026-01-01T00:00:00Z"}, headers=admin)
    old = create_license(ctx, product="confluence-server", seats=10)
    assert old.maintenance_until is not None and old.maintenance_until.year == 2027
    client.put("/v1/sandbox/clock", json={"now": "2026-09-15T00:00:00Z"}, headers=admin)
    done = buy(client, kind="upgrade", seats=25, **license_info(old))
    assert done["licenses"][0]["maintenance_until"] == "2027-09-15T00:00:00Z"


def test_invoice_flow(client: TestClient, admin: dict[str, str]) -> None:
    client.put("/v1/sandbox/clock", json={"now": "2026-03-01T09:00:00Z"}, headers=admin)
    q = quote(client, kind="new", product="desktop", seats=4)  # 356.00
    o = order(client, q["id"], method="invoice")
    assert o["status"] == "awaiting_payment" and o["payment_method"] == "invoice"
    assert o["due_at"] == "2026-03-31T09:00:00Z"
    assert any(o["number"] in m["subject"] for m in outbox(client, admin, BUYER["email"]))
    # the customer cannot pay an invoice order by card; needs an administrator
    error(client.post(f"/v1/orders/{o['id']}/pay", json={"card_token": "tok_visa"}),
          409, "ORDER_NOT_PAYABLE")
    error(client.post(f"/v1/orders/{o['id']}/mark-paid"), 401, "UNAUTHENTICATED")
    done = client.post(f"/v1/orders/{o['id']}/mark-paid", headers=admin).json()
    assert done["status"] == "fulfilled" and done["licenses"][0]["seats"] == 4
    # exactly once
    error(client.post(f"/v1/orders/{o['id']}/mark-paid", headers=admin), 409, "ORDER_NOT_PAYABLE")


def test_invoice_only_from_300(client: TestClient) -> None:
    q = quote(client, kind="new", product="desktop", seats=3)  # 267.00
    body = error(client.post("/v1/orders", json={"quote_id": q["id"], "buyer": BUYER,
                                                 "payment_method": "invoice"}),
                 409, "PAYMENT_METHOD_NOT_ALLOWED")
    assert body["details"]["minimum"] == {"amount": 30000, "currency": "USD"}


def test_declined_card_changes_nothing(ctx: Context, client: TestClient,
                                       admin: dict[str, str]) -> None:
    old = create_license(ctx, seats=1)
    q = quote(client, kind="upgrade", seats=5, **license_info(old))
    o = order(client, q["id"])
    error(client.post(f"/v1/orders/{o['id']}/pay", json={"card_token": "tok_declined"}),
          402, "CARD_DECLINED")
    again = client.get(f"/v1/orders/{o['id']}", headers=admin).json()
    assert again["status"] == "awaiting_payment" and again["licenses"] == []
    assert client.post("/v1/licenses/validate", json=license_info(old)).json()["code"] == "VALID"
    # another card then works
    assert pay(client, o["id"])["status"] == "fulfilled"


def test_fulfilled_once(client: TestClient) -> None:
    q = quote(client, kind="new", product="desktop", seats=1)
    o = order(client, q["id"])
    pay(client, o["id"])
    error(client.post(f"/v1/orders/{o['id']}/pay", json={"card_token": "tok_visa"}),
          409, "ORDER_NOT_PAYABLE")
    error(client.post("/v1/orders", json={"quote_id": q["id"], "buyer": BUYER,
                                          "payment_method": "card"}), 409, "QUOTE_ALREADY_ORDERED")


def test_quote_expired(client: TestClient, admin: dict[str, str]) -> None:
    client.put("/v1/sandbox/clock", json={"now": "2026-01-01T00:00:00Z"}, headers=admin)
    q = quote(client, kind="new", product="desktop", seats=1)
    o = order(client, q["id"])
    client.put("/v1/sandbox/clock", json={"now": "2026-03-02T00:00:00Z"}, headers=admin)
    error(client.post(f"/v1/orders/{o['id']}/pay", json={"card_token": "tok_visa"}),
          409, "QUOTE_EXPIRED")
    q2 = quote(client, kind="new", product="desktop", seats=1)
    client.put("/v1/sandbox/clock", json={"now": "2026-05-02T00:00:00Z"}, headers=admin)
    error(client.post("/v1/orders", json={"quote_id": q2["id"], "buyer": BUYER,
                                          "payment_method": "card"}), 409, "QUOTE_EXPIRED")


def test_quote_stale_is_not_charged(ctx: Context, client: TestClient) -> None:
    old = create_license(ctx, seats=1)
    q1 = quote(client, kind="upgrade", seats=5, **license_info(old))
    q2 = quote(client, kind="upgrade", seats=10, **license_info(old))
    q3 = quote(client, kind="upgrade", seats=7, **license_info(old))
    o1, o2 = order(client, q1["id"]), order(client, q2["id"])
    pay(client, o1["id"])
    body = error(client.post(f"/v1/orders/{o2['id']}/pay", json={"card_token": "tok_visa"}),
                 409, "QUOTE_STALE")
    assert body["details"]["license_id"] == old.id
    with ctx.db.reader() as session:
        from licensor.orders.service import get_order

        assert get_order(session, o2["id"]).charge_id is None
    # and ordering a stale quote is refused up front
    error(client.post("/v1/orders", json={"quote_id": q3["id"], "buyer": BUYER,
                                          "payment_method": "card"}), 409, "QUOTE_STALE")


def test_order_errors(client: TestClient, admin: dict[str, str]) -> None:
    error(client.post("/v1/orders", json={"quote_id": "quo_nope", "buyer": BUYER,
                                          "payment_method": "card"}), 404, "QUOTE_NOT_FOUND")
    error(client.post("/v1/orders/ord_nope/pay", json={"card_token": "tok_visa"}),
          404, "ORDER_NOT_FOUND")
    error(client.get("/v1/orders/ord_nope", headers=admin), 404, "ORDER_NOT_FOUND")
    error(client.get("/v1/orders/ord_nope"), 401, "UNAUTHENTICATED")
    q = quote(client, kind="new", product="desktop", seats=1)
    error(client.post("/v1/orders", json={"quote_id": q["id"], "payment_method": "card",
                                          "buyer": {"name": "X", "email": "not-an-email"}}),
          422, "INVALID_REQUEST")
    error(client.post("/v1/orders", json={"quote_id": q["id"], "payment_method": "cash",
                                          "buyer": BUYER}), 422, "INVALID_REQUEST")


def test_list_orders_paginated(client: TestClient, admin: dict[str, str]) -> None:
    for _ in range(3):
        order(client, quote(client, kind="new", product="desktop", seats=1)["id"])
    page = client.get("/v1/orders", params={"limit": 2}, headers=admin).json()
    assert [o["number"] for o in page["data"]] == ["LIC-000001", "LIC-000002"]
    rest = client.get("/v1/orders", params={"limit": 2, "cursor": page["next_cursor"]},
                      headers=admin).json()
    assert [o["number"] for o in rest["data"]] == ["LIC-000003"] and rest["next_cursor"] is None
    assert client.get("/v1/orders", params={"status": "fulfilled"},
                      headers=admin).json()["data"] == []
    error(client.get("/v1/orders"), 401, "UNAUTHENTICATED")


def test_mail_is_queued_in_the_payment_transaction(ctx: Context, client: TestClient) -> None:
    done = buy(client, kind="new", product="desktop", seats=1)
    with ctx.db.reader() as session:
        rows = session.scalars(select(MailRow).where(MailRow.to == BUYER["email"])).all()
    assert any(done["licenses"][0]["license_key"] in r.body for r in rows)


def test_order_fulfilled_event_for_every_kind(client: TestClient) -> None:
    seen: list[str] = []
    handler = events.on("order.fulfilled")(
        lambda _c, _s, _n, *, order, quote: seen.append(f"{order.number}:{quote.kind}"))
    try:
        done = buy(client, kind="new", product="desktop", seats=1)
    finally:
        events._HANDLERS["order.fulfilled"].remove(handler)
    assert seen == [f"{done['number']}:new"]


def test_free_upgrade_charges_nothing(ctx: Context, client: TestClient,
                                      admin: dict[str, str]) -> None:
    # A vendor cut its prices: 2 users now cost what 1 cost before, so the difference is zero
    doc = client.get("/v1/products/desktop").json()
    doc["pricing"]["bands"] = [{"min_seats": 1, "unit_price": {"amount": 0, "currency": "USD"}}]
    old = create_license(ctx, seats=1)
    assert client.put("/v1/products/desktop", json=doc, headers=admin).status_code == 200
    q = quote(client, kind="upgrade", seats=2, **license_info(old))
    assert q["total"]["amount"] == 0
    done = pay(client, order(client, q["id"])["id"], token="tok_declined")  # no card needed
    assert done["status"] == "fulfilled"


def test_mark_paid_of_a_stale_invoice_order(ctx: Context, client: TestClient,
                                            admin: dict[str, str]) -> None:
    old = create_license(ctx, seats=1)
    by_invoice = order(client, quote(client, kind="upgrade", seats=10,
                                     **license_info(old))["id"], method="invoice")
    buy(client, kind="upgrade", seats=5, **license_info(old))
    error(client.post(f"/v1/orders/{by_invoice['id']}/mark-paid", headers=admin),
          409, "QUOTE_STALE")
