"""The card field: Stripe's card element when Stripe is configured (Stripe.js from
js.stripe.com, allowed by that page's CSP only), the Card token field in sandbox mode."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from licensor.core.context import Context
from tests.portal.helpers import post

STRIPE_HOSTS = re.compile(r"stripe\.com")


@pytest.fixture
def stripe(ctx: Context) -> Iterator[None]:
    ctx.settings.stripe_secret_key = "sk_test_portal"
    ctx.settings.stripe_publishable_key = "pk_test_portal"
    try:
        yield
    finally:
        ctx.settings.stripe_secret_key = ctx.settings.stripe_publishable_key = None
        ctx.payments = None


def directives(csp: str) -> dict[str, list[str]]:
    out = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def quote_id(client: TestClient, seats: int = 1) -> str:
    return str(client.post("/v1/quotes", json={"kind": "new", "product": "desktop",
                                               "seats": seats}).json()["id"])


def billing_page(client: TestClient) -> str:
    owner = client.post("/v1/accounts", json={"email": "own@acme.test", "name": "Own",
                                              "password": "pw"}).json()
    site = client.post("/v1/sites", json={"name": "Acme"},
                       headers={"Authorization": f"Bearer {owner['token']}"}).json()
    assert post(client, "/login", {"email": "own@acme.test", "password": "pw"},
                follow_redirects=False).status_code == 303
    return f"/sites/{site['id']}/billing"


def assert_stripe_page(page: Response) -> None:
    assert page.status_code == 200, page.text
    assert '<script src="https://js.stripe.com/v3"></script>' in page.text
    assert '<script src="/static/stripe-card.js"></script>' in page.text
    assert 'id="card-element"' in page.text and 'data-stripe-key="pk_test_portal"' in page.text
    assert '<input type="hidden" name="card_token" id="card_token" value="">' in page.text
    assert "Card token" not in page.text and "tok_visa" not in page.text
    assert "A card payment needs JavaScript" in page.text  # the <noscript> message
    csp = directives(page.headers["content-security-policy"])
    assert csp["script-src"] == ["'self'", "https://js.stripe.com"]
    assert csp["frame-src"] == ["https://js.stripe.com"]
    assert csp["connect-src"] == ["'self'", "https://api.stripe.com"]
    assert csp["default-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.text)  # still no inline script


def test_with_stripe_the_checkout_shows_the_card_element(ctx: Context, client: TestClient,
                                                         stripe: None) -> None:
    page = client.get(f"/checkout/{quote_id(client, seats=25)}")
    assert_stripe_page(page)
    # Invoices allowed for this total: the page without JavaScript points to them.
    assert "choose <strong>Pay by invoice</strong>" in page.text
    small = client.get(f"/checkout/{quote_id(client)}")
    assert_stripe_page(small)
    assert "Pay by invoice" not in small.text.split("card-needs-js")[1].split("</noscript>")[0]


def test_with_stripe_the_billing_subscribe_form_shows_the_card_element(
        ctx: Context, client: TestClient, stripe: None) -> None:
    assert_stripe_page(client.get(billing_page(client)))


def test_with_stripe_other_pages_allow_no_stripe_host(ctx: Context, client: TestClient,
                                                      stripe: None) -> None:
    for path in ("/", "/pricing", "/upgrade", "/renew", "/lost-key", "/license", "/signup",
                 f"/quotes/{quote_id(client)}"):
        page = client.get(path)
        assert page.status_code == 200, (path, page.text)
        assert not STRIPE_HOSTS.search(page.headers["content-security-policy"]), path
        assert "js.stripe.com" not in page.text, path


def test_in_sandbox_the_card_token_field_is_there_and_no_stripe_host_anywhere(
        ctx: Context, client: TestClient) -> None:
    for path in (f"/checkout/{quote_id(client)}", billing_page(client)):
        page = client.get(path)
        assert page.status_code == 200, (path, page.text)
        assert '<label for="card_token">Card token</label>' in page.text, path
        assert 'value="tok_visa"' in page.text, path
        assert not STRIPE_HOSTS.search(page.text), path
        assert not STRIPE_HOSTS.search(page.headers["content-security-policy"]), path
        assert "stripe-card.js" not in page.text, path


def test_the_card_element_script_fills_the_field_the_server_reads(client: TestClient) -> None:
    script = client.get("/static/stripe-card.js")
    assert script.status_code == 200
    assert "createPaymentMethod" in script.text and 'getElementById("card_token")' in script.text


def test_a_payment_held_by_the_bank_is_confirmed_with_stripe_js(
        ctx: Context, client: TestClient, stripe: None) -> None:
    from licensor.core.payments_stripe import StripeProcessor
    from tests.orders.stripe_standin import StripeStandIn

    http = StripeStandIn()
    ctx.payments = StripeProcessor("sk_test_portal", http_client=http,
                                   return_url="http://127.0.0.1:8000/payments/return")
    checkout = f"/checkout/{quote_id(client)}"
    client.get(checkout)
    page = post(client, checkout, {"name": "Jane Buyer", "email": "jane@acme.test",
                                   "company": "Acme Inc", "payment_method": "card",
                                   "card_token": "pm_card_threeDSecure"})
    assert page.status_code == 402, page.text
    [intent] = http.payment_intents()
    assert f'data-client-secret="{intent["client_secret"]}"' in page.text
    assert 'data-return-url="/payments/return"' in page.text
    script = client.get("/static/stripe-card.js").text
    assert "handleNextAction" in script and "data-client-secret" in script
    back = client.get(f"/payments/return?payment_intent={intent['id']}")
    assert back.status_code == 200 and "being completed now" in back.text


def test_a_subscription_payment_held_by_the_bank_too(ctx: Context, client: TestClient,
                                                     stripe: None) -> None:
    from licensor.core.payments_stripe import StripeProcessor
    from tests.orders.stripe_standin import StripeStandIn

    http = StripeStandIn()
    ctx.payments = StripeProcessor("sk_test_portal", http_client=http)
    path = billing_page(client)
    page = post(client, path, {"plan": "small", "interval": "month", "action": "subscribe",
                               "card_token": "pm_card_threeDSecure"})
    assert page.status_code == 402, page.text
    [intent] = http.payment_intents()
    assert f'data-client-secret="{intent["client_secret"]}"' in page.text
