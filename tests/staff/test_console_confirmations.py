# ruff: noqa: F811  (the portal's browser fixtures are imported by name and used as arguments)
"""The console's money and access actions ask first (Chromium against the real server): a
confirmation page says what the action does, and only its own button acts; going back does
nothing. Also: no console form that is sent by GET carries a License Key."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.portal.test_browser import (  # noqa: F401  (fixtures)
    Api,
    api,
    browser,
    page,
    pytestmark,
    server,
)
from tests.staff.test_console_browser import log_in, staff

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "licensor" / "templates"


def _invoice_order(api: Api) -> dict[str, Any]:
    quote = api.call("POST", "/v1/quotes", json={"kind": "new", "product": "desktop",
                                                 "seats": 4})
    return api.call("POST", "/v1/orders", json={
        "quote_id": quote["id"], "payment_method": "invoice",
        "buyer": {"name": "Jo", "email": "jo@acme.test", "company": "Acme"}})


def test_cancel_order_asks_first_and_going_back_does_nothing(page: Any, api: Api) -> None:
    order = _invoice_order(api)
    log_in(page, staff(api, "admin"), f"/admin/orders/{order['id']}")
    page.get_by_role("button", name="Cancel order").click()
    assert "is canceled" in page.locator("#confirm").inner_text()
    page.get_by_role("link", name="Go back without doing it").click()
    assert api.call("GET", f"/v1/orders/{order['id']}")["status"] == "awaiting_payment"
    page.get_by_role("button", name="Cancel order").click()
    page.get_by_role("button", name="Cancel order").click()  # the confirmation's own button
    assert page.url.endswith("?done=canceled")
    assert api.call("GET", f"/v1/orders/{order['id']}")["status"] == "canceled"
    page.reload()  # post/redirect/get: the reload asks nothing again
    assert page.locator("#confirm").count() == 0


def test_a_refund_asks_first_naming_the_amount(page: Any, api: Api) -> None:
    quote = api.call("POST", "/v1/quotes", json={"kind": "new", "product": "desktop",
                                                 "seats": 1})
    order = api.call("POST", "/v1/orders", json={
        "quote_id": quote["id"], "payment_method": "card", "card_token": "tok_visa",
        "buyer": {"name": "Jo", "email": "jo-refund@acme.test"}})
    if order["status"] == "awaiting_payment":
        order = api.call("POST", f"/v1/orders/{order['id']}/pay",
                         json={"card_token": "tok_visa"})
    log_in(page, staff(api, "admin"), f"/admin/orders/{order['id']}")
    page.get_by_role("button", name="Refund").click()
    assert "$89.00 goes back to the buyer" in page.locator("#confirm").inner_text()
    assert api.call("GET", f"/v1/orders/{order['id']}")["status"] == "fulfilled"
    page.get_by_role("button", name="Refund").click()
    assert api.call("GET", f"/v1/orders/{order['id']}")["status"] == "refunded"


def test_an_admin_cancels_a_subscription_after_confirming(page: Any, api: Api) -> None:
    owner = api.account("Owner")
    site = api.call("POST", "/v1/sites", owner["token"], json={"name": "Cancel Co"})
    sub = api.call("POST", "/v1/subscriptions", owner["token"], json={
        "site_id": site["id"], "plan": "small", "interval": "month", "card_token": "tok_visa"})
    log_in(page, staff(api, "admin"), f"/admin/subscriptions/{sub['id']}")
    page.get_by_role("button", name="Cancel subscription").click()
    assert "No further renewal is charged" in page.locator("#confirm").inner_text()
    assert api.call("GET", f"/v1/subscriptions/{sub['id']}", owner["token"])["status"] == \
        "active"
    page.get_by_role("button", name="Cancel subscription").click()
    assert "The subscription is canceled" in page.locator("main").inner_text()
    after = api.call("GET", f"/v1/subscriptions/{sub['id']}", owner["token"])
    assert (after["status"], after["cancel_at_period_end"]) == ("canceled", True)


def test_support_sees_no_cancel_subscription(page: Any, api: Api) -> None:
    owner = api.account("Owner")
    site = api.call("POST", "/v1/sites", owner["token"], json={"name": "Support Co"})
    sub = api.call("POST", "/v1/subscriptions", owner["token"], json={
        "site_id": site["id"], "plan": "small", "interval": "month", "card_token": "tok_visa"})
    log_in(page, staff(api, "support"), f"/admin/subscriptions/{sub['id']}")
    assert page.get_by_role("button", name="Cancel subscription").count() == 0
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    refused = page.request.post(f"/admin/subscriptions/{sub['id']}/cancel",
                                form={"csrf_token": token, "confirmed": "yes"})
    assert refused.status == 403


def test_no_form_sent_by_get_carries_a_license_key() -> None:
    for template in TEMPLATES.rglob("*.html"):
        for form in re.findall(r'<form[^>]*method="get".*?</form>', template.read_text(),
                               re.DOTALL | re.IGNORECASE):
            assert not re.search(r"license_key|License Key|key", form, re.IGNORECASE), \
                template
