"""Every event type of the catalog is emitted by a real path through the API, with `data`
shaped as the API shows the entity, and delivered to a subscribed receiver."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from licensor.core.context import Context
from licensor.subscriptions.models import SubscriptionRow
from licensor.webhooks.rules import EVENT_TYPES
from tests.builders import info
from tests.marketplace.helpers import ADDRESS
from tests.orders.helpers import buy, order, quote
from tests.webhooks.receiver import receiver

DAY = 86400


def ok(r: Any, status: int = 200) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    return body


def migration(client: TestClient, lic: dict[str, Any]) -> dict[str, Any]:
    return ok(client.post("/v1/migrations", json={
        **info(lic), "hosting": "server", "server_user_tier": lic["seats"],
        "marketplace_email": "admin@acme.test", "holder_first_name": "Ada",
        "holder_last_name": "Lovelace", "organisation": "Acme Inc", "address": ADDRESS}), 201)


def log(client: TestClient, admin: dict[str, str]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = ok(client.get("/v1/events", params={"limit": 7, **(
            {"cursor": cursor} if cursor else {})}, headers=admin))
        events += page["data"]
        cursor = page["next_cursor"]
        if not cursor:
            return events


def test_every_event_type_is_emitted_with_the_api_shape(client: TestClient,
                                                         admin: dict[str, str],
                                                         ctx: Context) -> None:
    api: dict[str, dict[str, Any]] = {}  # entity kind -> one view as the API shows it
    ok(client.put("/v1/sandbox/clock", json={"now": "2026-01-10T12:00:00Z"}, headers=admin))
    with receiver() as hook:
        ok(client.post("/v1/webhook-endpoints", json={"url": hook.url, "events": ["*"]},
                       headers=admin), 201)
        # Licenses and registrations
        server = ok(client.post("/v1/licenses", json={
            "product": "confluence-server", "seats": 25, "license_name": "Acme Inc",
            "email": "it@acme.test"}, headers=admin), 201)
        ok(client.post("/v1/registrations", json={**info(server), "user": "ann"}), 201)
        api["registration"] = client.get(f"/v1/licenses/{server['id']}/registrations",
                                          headers=admin).json()["data"][0]
        ok(client.post("/v1/registrations/unregister", json={**info(server), "user": "ann"}))
        # Orders: paid by card then refunded; by invoice then canceled
        paid = buy(client, kind="new", product="desktop", seats=1)
        api["order"] = ok(client.get(f"/v1/orders/{paid['id']}", headers=admin))
        ok(client.post(f"/v1/orders/{paid['id']}/refund", headers=admin))
        invoiced = order(client, quote(client, kind="new", product="confluence-server",
                                       seats=25)["id"], method="invoice")
        ok(client.post(f"/v1/orders/{invoiced['id']}/cancel", headers=admin))
        # Upgrade, renewal and revocation
        upgraded = buy(client, kind="upgrade", seats=50, **info(server))["licenses"][0]
        renewed = buy(client, kind="renewal", **info(upgraded))["licenses"][0]
        api["license"] = ok(client.get(f"/v1/licenses/{renewed['id']}", headers=admin))
        spare = ok(client.post("/v1/licenses", json={
            "product": "desktop", "seats": 1, "license_name": "Spare", "email": "s@acme.test"},
            headers=admin), 201)
        ok(client.post(f"/v1/licenses/{spare['id']}/revoke", json={"reason": "leaked"},
                       headers=admin))
        # Marketplace migration: one completed, one rejected
        jira = ok(client.post("/v1/licenses", json={
            "product": "jira-server", "seats": 25, "license_name": "Acme Inc",
            "email": "it@acme.test"}, headers=admin), 201)
        moved = migration(client, renewed)
        ok(client.post(f"/v1/migrations/{moved['id']}/complete", json={"sen": "SEN-L1"},
                       headers=admin))
        api["migration"] = ok(client.get(f"/v1/migrations/{moved['id']}", headers=admin))
        refused = migration(client, jira)
        ok(client.post(f"/v1/migrations/{refused['id']}/reject", json={"reason": "duplicate"},
                       headers=admin))
        # Subscriptions: create (and its invoice), change, renew, fail, cancel, delete
        token = ok(client.post("/v1/accounts", json={"email": "o@acme.test", "name": "Owner",
                                                      "password": "correct horse"}), 201)["token"]
        owner = {"Authorization": f"Bearer {token}"}
        sites = [ok(client.post("/v1/sites", json={"name": n}, headers=owner), 201)
                 for n in ("Main", "Side")]
        subs = [ok(client.post("/v1/subscriptions", headers=owner, json={
            "plan": "small", "interval": "month", "card_token": "tok_visa",
            "site_id": s["id"]}), 201) for s in sites]
        ok(client.post(f"/v1/subscriptions/{subs[0]['id']}/change", json={"plan": "medium"},
                       headers=owner))
        api["subscription"] = ok(client.get(f"/v1/subscriptions/{subs[0]['id']}",
                                            headers=owner))
        api["invoice"] = ok(client.get(f"/v1/subscriptions/{subs[0]['id']}/invoices",
                                       headers=owner))["data"][0]
        ok(client.post(f"/v1/subscriptions/{subs[1]['id']}/cancel", headers=owner))
        ok(client.post("/v1/sandbox/clock/advance", json={"seconds": 31 * DAY}, headers=admin))
        ok(client.delete(f"/v1/sites/{sites[1]['id']}", headers=owner))
        with ctx.db.transaction() as session:  # the card on file stops working
            row = session.get(SubscriptionRow, subs[0]["id"])
            assert row is not None
            row.payment_method_id = "pm_card_chargeDeclined"
        before = log(client, admin)
        hook.wait_for(len(before), timeout=30)
        # Received is not yet recorded: an event whose delivery is still pending is kept (below)
        assert ctx.webhook_sender.wait_idle()
        # The next renewal fails; a year on, maintenance reminders fall due (and the log keeps
        # 90 days: what was delivered before is pruned)
        ok(client.post("/v1/sandbox/clock/advance", json={"seconds": 400 * DAY},
                       headers=admin))
        after = log(client, admin)
        assert not {e["id"] for e in before} & {e["id"] for e in after}
        hook.wait_for(len(before) + len(after), timeout=30)
        ctx.webhook_sender.wait_idle()
    # What arrived is the whole story: the log keeps 90 days, so an event dated when it fell due
    # (a reminder, a year back) may be pruned once delivered.
    events = [json.loads(got.body) for got in hook.got]
    assert len({e["id"] for e in events}) == len(events)
    assert {e["id"] for e in before + after} <= {e["id"] for e in events}
    assert sorted({e["type"] for e in events}) == sorted(EVENT_TYPES)
    kind_of = {"license": "license", "maintenance": "license", "registration": "registration",
               "order": "order", "subscription": "subscription", "invoice": "invoice",
               "migration": "migration"}
    for event in events:
        shape = api[kind_of[event["type"].split(".")[0]]]
        assert set(event["data"]) == set(shape) - {"license"}, event["type"]
    by_type = {e["type"]: e for e in events}
    assert by_type["license.revoked"]["data"]["status"] == "revoked"
    assert by_type["order.paid"]["data"]["status"] == "fulfilled"
    assert by_type["order.canceled"]["data"]["status"] == "canceled"
    assert by_type["subscription.suspended"]["data"]["status"] == "suspended"
    assert by_type["migration.completed"]["data"]["sen"] == "SEN-L1"
    assert by_type["license.upgraded"]["data"]["seats"] == 50
