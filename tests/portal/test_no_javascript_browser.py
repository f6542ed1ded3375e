"""Buy, upgrade, renew and subscribe with JavaScript turned off (Chromium with
java_script_enabled=False against the real server): each flow goes end to end on plain
forms and links, and the API agrees with what the pages say. The server, browser and API
client are test_browser's (one of each for this module)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from licensor.core.web.portal import money
from tests.portal import test_browser
from tests.portal.test_browser import Api, log_in

pytestmark = test_browser.pytestmark
server, api, browser = test_browser.server, test_browser.api, test_browser.browser


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=server, java_script_enabled=False)
    made = context.new_page()
    made.set_content("<title>off</title><script>document.title = 'on'</script>")
    assert made.title() == "off"  # the guard: a page's own script does not run
    yield made
    context.close()


def main_text(page: Any) -> str:
    return str(page.locator("main").inner_text())


def pay(page: Any, email: str) -> None:
    page.get_by_label("Your name").fill("Ana Diaz")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Pay now").click()
    assert "Thank you" in main_text(page)


def test_buy_without_javascript(page: Any, api: Api) -> None:
    page.goto("/buy/desktop")
    page.get_by_label("Total users").fill("3")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/checkout/*")
    email = f"nojs-buy-{uuid.uuid4().hex[:6]}@acme.test"
    pay(page, email)
    key = page.locator("pre.key").inner_text().strip()
    check = api.call("POST", "/v1/licenses/validate",
                     json={"license_name": "Ana Diaz", "license_key": key})
    assert check["code"] == "VALID" and check["license"]["seats"] == 3


def test_upgrade_without_javascript(page: Any, api: Api) -> None:
    lic = api.license(seats=1)
    page.goto("/upgrade")
    page.get_by_label("License Name").fill("Acme Inc")
    page.get_by_label("License Key").fill(lic["license_key"])
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Total users").fill("4")
    page.get_by_role("button", name="Show price").click()  # a round trip, no script
    quote = api.call("POST", "/v1/quotes", json={
        "kind": "upgrade", "seats": 4, "license_name": "Acme Inc",
        "license_key": lic["license_key"]})
    assert money(quote["total"]) in page.locator("table.lines").inner_text()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/checkout/*")
    pay(page, f"nojs-up-{uuid.uuid4().hex[:6]}@acme.test")
    key = page.locator("pre.key").inner_text().strip()
    check = api.call("POST", "/v1/licenses/validate",
                     json={"license_name": "Acme Inc", "license_key": key})
    assert check["code"] == "VALID" and check["license"]["seats"] == 4


def test_renew_without_javascript(page: Any, api: Api) -> None:
    lic = api.license(product="confluence-server", seats=10)
    before = api.call("GET", f"/v1/licenses/{lic['id']}")
    page.goto("/renew")
    page.get_by_label("License Name").fill("Acme Inc")
    page.get_by_label("License Key").fill(lic["license_key"])
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/checkout/*")
    pay(page, f"nojs-renew-{uuid.uuid4().hex[:6]}@acme.test")
    after = api.call("GET", f"/v1/licenses/{lic['id']}")
    assert after["maintenance_until"] > before["maintenance_until"]


def test_subscribe_without_javascript(page: Any, api: Api) -> None:
    owner = api.account("Owner")
    site = api.call("POST", "/v1/sites", owner["token"], json={"name": "No Script Co"})
    log_in(page, owner)
    page.goto(f"/sites/{site['id']}/billing")
    page.get_by_label("Plan").select_option("small")
    page.get_by_role("button", name="Show price").click()
    # Without JavaScript the price comes on the page the form leads to: wait for it to load
    page.locator('[data-field="due_today"]').first.wait_for(state="attached")
    assert page.locator('[data-field="due_today"]').count() == 1
    page.get_by_label("Card token").fill("tok_visa")
    page.get_by_role("button", name="Subscribe").click()
    page.wait_for_url("**/billing?done=subscribed")
    after = api.call("GET", f"/v1/sites/{site['id']}", owner["token"])["subscription"]
    assert after["status"] == "active" and after["plan"] == "small"
