"""The billing page's Update card form and past-due banner as served: Stripe's card element in
the form when Stripe is configured; the banner for someone who may not bill, without the
form."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from licensor.core.context import Context
from licensor.core.payments_stripe import StripeProcessor
from licensor.subscriptions.models import SubscriptionRow
from tests.orders.stripe_standin import StripeStandIn
from tests.portal.helpers import post
from tests.portal.test_stripe_card import assert_stripe_page, billing_page

DAY = 86400


def owner_headers(client: TestClient) -> dict[str, str]:
    token = client.post("/v1/sessions", json={"email": "own@acme.test",
                                              "password": "pw"}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def test_with_stripe_update_card_takes_the_card_element(ctx: Context,
                                                        client: TestClient) -> None:
    path = billing_page(client)
    owner = owner_headers(client)
    site_id = path.split("/")[2]
    r = client.post("/v1/subscriptions", headers=owner, json={
        "site_id": site_id, "plan": "small", "interval": "month", "card_token": "tok_visa"})
    assert r.status_code == 201, r.text
    ctx.settings.stripe_secret_key = "sk_test_portal"
    ctx.settings.stripe_publishable_key = "pk_test_portal"
    try:
        page = client.get(path)
    finally:
        ctx.settings.stripe_secret_key = ctx.settings.stripe_publishable_key = None
        ctx.payments = None
    assert_stripe_page(page)
    form = page.text.split('id="card-form"')[1].split("</form>")[0]
    assert 'id="card-element"' in form
    assert re.search(r'<button type="submit" name="action" value="card"[^>]*>Update card</button>', form)


def test_someone_who_may_not_bill_sees_the_banner_without_the_form(
        ctx: Context, client: TestClient, admin: dict[str, str]) -> None:
    path = billing_page(client)
    owner = owner_headers(client)
    site_id = path.split("/")[2]
    r = client.post("/v1/subscriptions", headers=owner, json={
        "site_id": site_id, "plan": "small", "interval": "month", "card_token": "tok_visa"})
    sub_id = r.json()["id"]
    assert client.put(f"/v1/subscriptions/{sub_id}/card", headers=owner,
                      json={"card_token": "tok_chargeCustomerFail"}).status_code == 200
    client.post("/v1/accounts", json={"email": "mem@acme.test", "name": "Mem",
                                      "password": "pw"})
    assert client.post(f"/v1/sites/{site_id}/members", headers=owner, json={
        "email": "mem@acme.test", "role": "staff"}).status_code == 201
    r = client.post("/v1/sandbox/clock/advance", json={"seconds": 31 * DAY}, headers=admin)
    assert r.status_code == 200, r.text
    assert post(client, "/login", {"email": "mem@acme.test", "password": "pw"},
                follow_redirects=False).status_code == 303
    page = client.get(path).text
    assert 'id="past-due"' in page and "suspended. Ask the site's billing admin" in page
    assert 'id="card-form"' not in page and "Update card" not in page


def test_with_stripe_a_card_update_held_by_the_bank_is_confirmed_in_the_page(
        ctx: Context, client: TestClient, admin: dict[str, str]) -> None:
    path = billing_page(client)
    owner = owner_headers(client)
    r = client.post("/v1/subscriptions", headers=owner, json={
        "site_id": path.split("/")[2], "plan": "small", "interval": "month",
        "card_token": "tok_visa"})
    sub_id = r.json()["id"]
    with ctx.db.transaction() as session:  # the card on file stops working
        row = session.get(SubscriptionRow, sub_id)
        assert row is not None
        row.payment_method_id = "pm_card_chargeDeclined"
    assert client.post("/v1/sandbox/clock/advance", json={"seconds": 31 * DAY},
                       headers=admin).status_code == 200
    ctx.settings.stripe_secret_key = "sk_test_portal"
    ctx.settings.stripe_publishable_key = "pk_test_portal"
    http = StripeStandIn()
    ctx.payments = StripeProcessor("sk_test_portal", http_client=http)
    try:
        page = post(client, path, {"action": "card", "card_token": "pm_card_threeDSecure"})
    finally:
        ctx.settings.stripe_secret_key = ctx.settings.stripe_publishable_key = None
        ctx.payments = None
    assert page.status_code == 402, page.text
    held = http.payment_intents()[-1]
    assert held["status"] == "requires_action"
    form = page.text.split('id="card-form"')[1].split("</form>")[0]
    assert f'data-client-secret="{held["client_secret"]}"' in form
    assert 'data-return-url="/payments/return"' in form
