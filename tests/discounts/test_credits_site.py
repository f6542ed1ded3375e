"""Desktop -> myBalsamiq credit through the HTTP API: half of what was paid for the desktop
license (every paid order of its lineage) on the site's subscription, which pays the next
renewal first; once per license; every refusal."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from licensor.core import audit
from licensor.core.context import Context
from tests import builders
from tests.builders import create_license, license_info
from tests.orders.helpers import buy, error
from tests.subscriptions.conftest import START, Shop

DAY = 86400


@pytest.fixture
def shop(client: TestClient, admin: dict[str, str]) -> Shop:
    s = Shop(client, admin)
    s.set_clock(START)
    return s


def info(order: dict[str, Any]) -> dict[str, str]:
    """The License Information of a paid order's license."""
    return builders.info(order["licenses"][0])


def paid_site(shop: Shop, email: str | None = None
              ) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
    """An owner, their site and its paid (small, monthly: 12.00) subscription."""
    owner, _account = shop.account(email)
    site = shop.site(owner)
    sub = shop.subscribe(owner, site["id"])
    return owner, site, sub


def credit(client: TestClient, who: dict[str, str], site_id: str, lic: dict[str, str]) -> Any:
    return client.post(f"/v1/sites/{site_id}/desktop-credit", json=lic, headers=who)


def balance(client: TestClient, who: dict[str, str], sub_id: str) -> int:
    r = client.get(f"/v1/subscriptions/{sub_id}", headers=who)
    assert r.status_code == 200, r.text
    return int(r.json()["credit_balance"]["amount"])


def test_a_429_desktop_purchase_gives_214_50_which_pays_the_next_renewals(
        ctx: Context, client: TestClient, shop: Shop, admin: dict[str, str]) -> None:
    owner, site, sub = paid_site(shop, "owner@acme.test")
    order = buy(client, kind="new", product="desktop", seats=5)
    assert order["total"] == {"amount": 42900, "currency": "USD"}
    r = credit(client, owner, site["id"], info(order))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["license_id"] == order["licenses"][0]["id"]
    assert body["credited"] == {"amount": 21450, "currency": "USD"}
    assert body["subscription"]["id"] == sub["id"]
    assert body["subscription"]["credit_balance"] == {"amount": 21450, "currency": "USD"}
    assert balance(client, owner, sub["id"]) == 21450
    # The desktop license keeps working.
    lic = client.get(f"/v1/licenses/{body['license_id']}", headers=admin).json()
    assert lic["status"] == "active"
    # Recorded in the subscription's history (the audit log) and mailed to the owner.
    with ctx.db.reader() as session:
        entries = [e for e in audit.entries_for(session, sub["id"])
                   if e.action == "subscription.credited"]
    assert len(entries) == 1 and entries[0].actor.startswith("account:")
    mails = [m for m in shop.outbox("owner@acme.test") if "credit" in m["subject"]]
    assert len(mails) == 1 and "214.50" in mails[0]["subject"] and "214.50" in mails[0]["body"]
    # The next renewal (12.00) is paid from the credit, not the card.
    shop.advance(31 * DAY)
    renewals = [i for i in shop.invoices(owner, sub["id"]) if i["reason"] == "renewal"]
    assert len(renewals) == 1
    renewal = renewals[0]
    assert renewal["credit_applied"]["amount"] == 1200
    assert renewal["amount_paid"]["amount"] == 0 and renewal["charge_id"] is None
    assert balance(client, owner, sub["id"]) == 21450 - 1200


def test_an_upgraded_license_credits_every_paid_order_of_its_lineage(
        client: TestClient, shop: Shop) -> None:
    owner, site, sub = paid_site(shop)
    first = buy(client, kind="new", product="desktop", seats=1)
    upgrade = buy(client, kind="upgrade", seats=5, **info(first))
    assert (first["total"]["amount"], upgrade["total"]["amount"]) == (8900, 34000)
    # The replaced key no longer stands for the license.
    error(credit(client, owner, site["id"], info(first)), 409, "LICENSE_SUPERSEDED")
    r = credit(client, owner, site["id"], info(upgrade))
    assert r.status_code == 200, r.text
    assert r.json()["credited"] == {"amount": 21450, "currency": "USD"}
    assert balance(client, owner, sub["id"]) == 21450


def test_once_per_license_its_later_upgrades_included(client: TestClient, shop: Shop) -> None:
    owner, site, sub = paid_site(shop)
    first = buy(client, kind="new", product="desktop", seats=1)
    r = credit(client, owner, site["id"], info(first))
    assert r.status_code == 200 and r.json()["credited"]["amount"] == 4450
    error(credit(client, owner, site["id"], info(first)), 409, "CREDIT_ALREADY_USED")
    # Upgraded since: the new license is the same license for the credit.
    upgrade = buy(client, kind="upgrade", seats=5, **info(first))
    error(credit(client, owner, site["id"], info(upgrade)), 409, "CREDIT_ALREADY_USED")
    # Nor on another site.
    other_owner, other_site, _ = paid_site(shop)
    error(credit(client, other_owner, other_site["id"], info(upgrade)), 409,
          "CREDIT_ALREADY_USED")
    assert balance(client, owner, sub["id"]) == 4450


def test_refunded_orders_count_for_nothing(client: TestClient, shop: Shop,
                                           admin: dict[str, str]) -> None:
    owner, site, sub = paid_site(shop)
    first = buy(client, kind="new", product="desktop", seats=1)
    upgrade = buy(client, kind="upgrade", seats=5, **info(first))
    r = client.post(f"/v1/orders/{upgrade['id']}/refund", json={}, headers=admin)
    assert r.status_code == 200, r.text
    error(credit(client, owner, site["id"], info(upgrade)), 409, "LICENSE_REVOKED")
    # The 1-user license stands again: only its 89.00 was paid.
    r = credit(client, owner, site["id"], info(first))
    assert r.status_code == 200, r.text
    assert r.json()["credited"] == {"amount": 4450, "currency": "USD"}
    assert balance(client, owner, sub["id"]) == 4450


def test_a_license_nobody_paid_for_gives_nothing(ctx: Context, client: TestClient,
                                                 shop: Shop, admin: dict[str, str]) -> None:
    owner, site, sub = paid_site(shop)
    free = create_license(ctx, seats=5)  # issued by the vendor
    body = error(credit(client, owner, site["id"], license_info(free)), 409,
                 "NOTHING_TO_CREDIT")
    assert "paid" in body["message"]
    # Issued free, then upgraded and that upgrade refunded: still nothing paid.
    upgrade = buy(client, kind="upgrade", seats=10, **license_info(free))
    assert client.post(f"/v1/orders/{upgrade['id']}/refund", json={},
                       headers=admin).status_code == 200
    error(credit(client, owner, site["id"], license_info(free)), 409, "NOTHING_TO_CREDIT")
    assert balance(client, owner, sub["id"]) == 0


def test_a_product_without_a_credit_policy_for_sites_gives_nothing(
        client: TestClient, shop: Shop) -> None:
    owner, site, _ = paid_site(shop)
    server = buy(client, kind="new", product="confluence-server", seats=10)
    body = error(credit(client, owner, site["id"], info(server)), 409, "NOTHING_TO_CREDIT")
    assert "mybalsamiq" in body["message"] and body["details"]["product"] == "confluence-server"


def test_license_refusals(client: TestClient, shop: Shop, admin: dict[str, str]) -> None:
    owner, site, _ = paid_site(shop)
    order = buy(client, kind="new", product="desktop", seats=5)
    lic = info(order)
    error(credit(client, owner, site["id"], {**lic, "license_key": lic["license_key"][:-4]}),
          422, "INVALID_LICENSE")
    error(credit(client, owner, site["id"], {**lic, "license_name": "Someone Else"}),
          422, "INVALID_LICENSE")
    error(client.post(f"/v1/sites/{site['id']}/desktop-credit", json={"license_name": "x"},
                      headers=owner), 422, "INVALID_REQUEST")
    assert client.post(f"/v1/licenses/{order['licenses'][0]['id']}/revoke",
                       json={"reason": "chargeback"}, headers=admin).status_code == 200
    error(credit(client, owner, site["id"], lic), 409, "LICENSE_REVOKED")


def test_only_the_owner_or_billing_admin_of_a_paid_site(client: TestClient,
                                                         shop: Shop) -> None:
    owner, site, sub = paid_site(shop)
    lic = info(buy(client, kind="new", product="desktop", seats=5))
    stranger, _ = shop.account()
    error(credit(client, stranger, site["id"], lic), 404, "SITE_NOT_FOUND")
    error(client.post(f"/v1/sites/{site['id']}/desktop-credit", json=lic), 401,
          "UNAUTHENTICATED")
    staff, staff_account = shop.account("staff@acme.test")
    r = client.post(f"/v1/sites/{site['id']}/members",
                    json={"email": "staff@acme.test", "role": "staff"}, headers=owner)
    assert r.status_code == 201, r.text
    error(credit(client, staff, site["id"], lic), 403, "NOT_BILLING_ADMIN")
    r = client.put(f"/v1/sites/{site['id']}/billing-admin",
                   json={"account_id": staff_account["id"]}, headers=owner)
    assert r.status_code == 200, r.text
    r = credit(client, staff, site["id"], lic)
    assert r.status_code == 200, r.text
    assert balance(client, owner, sub["id"]) == 21450


def test_a_trial_or_an_ended_subscription_gets_no_credit(client: TestClient,
                                                         shop: Shop) -> None:
    owner, _ = shop.account()
    trial = shop.site(owner, "Trial")
    lic = info(buy(client, kind="new", product="desktop", seats=5))
    body = error(credit(client, owner, trial["id"], lic), 409, "SUBSCRIPTION_NOT_ACTIVE")
    assert "trialing" in body["message"] and "subscribe" in body["message"]
    # Canceled, still in its period: credited (the balance waits for a restart).
    site = shop.site(owner, "Canceled")
    sub = shop.subscribe(owner, site["id"])
    assert client.post(f"/v1/subscriptions/{sub['id']}/cancel",
                       headers=owner).status_code == 200
    r = credit(client, owner, site["id"], lic)
    assert r.status_code == 200, r.text
    assert r.json()["subscription"]["status"] == "canceled"
    # After the period the site is suspended: no credit.
    shop.advance(31 * DAY)
    lic2 = info(buy(client, kind="new", product="desktop", seats=1))
    body = error(credit(client, owner, site["id"], lic2), 409, "SUBSCRIPTION_NOT_ACTIVE")
    assert "suspended" in body["message"]


def test_a_license_paid_in_another_currency(client: TestClient, shop: Shop,
                                            admin: dict[str, str]) -> None:
    product = client.get("/v1/products/mybalsamiq").json()
    for plan in product["plans"]:
        for price in ("monthly_price", "yearly_price"):
            plan[price]["currency"] = "EUR"
    r = client.put("/v1/products/mybalsamiq", json=product, headers=admin)
    assert r.status_code == 200, r.text
    owner, site, sub = paid_site(shop)
    lic = info(buy(client, kind="new", product="desktop", seats=5))
    body = error(credit(client, owner, site["id"], lic), 409, "CURRENCY_MISMATCH")
    assert body["details"] == {"currency": "EUR", "license_currency": "USD"}
    assert balance(client, owner, sub["id"]) == 0
