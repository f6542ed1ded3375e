"""The portal in a real browser (Playwright driving Debian's Chromium) against the real server
started as a subprocess. One browser and one server for the whole module: each test makes its
own licenses and accounts through the API, so they never see each other's."""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from licensor.app import seed
from licensor.core.context import build_context
from licensor.core.db import Database
from licensor.core.web.plain_words import plain
from licensor.core.web.portal import human_date, money
from tests.conftest import ADMIN, empty_database, make_settings
from tests.core.server import Server

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                 reason="Chromium is not installed (apt-get install chromium)"),
              pytest.mark.browser, pytest.mark.server]
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
# Frozen, so a preview and the API's answer are computed at the same instant.
FROZEN = "2027-03-04T12:00:00Z"


class Api:
    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=30)

    def call(self, method: str, path: str, token: str | None = None,
             **kw: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else dict(ADMIN)
        r = self.http.request(method, path, headers=headers, **kw)
        assert r.status_code < 300, r.text
        return dict(r.json())

    def license(self, **body: Any) -> dict[str, Any]:
        body = {"product": "desktop", "seats": 1, "license_name": "Acme Inc",
                "email": f"it-{uuid.uuid4().hex[:8]}@acme.test", **body}
        return self.call("POST", "/v1/licenses", json=body)

    def account(self, name: str = "Ana") -> dict[str, Any]:
        email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@acme.test"
        made = self.call("POST", "/v1/accounts", json={"email": email, "name": name,
                                                       "password": "pw-" + name})
        return {**made, "password": "pw-" + name}


@pytest.fixture(scope="module")
def server(database: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    empty_database(database)
    context = build_context(make_settings(tmp_path_factory.mktemp("portal-home"),
                                          database.url), db=database)
    seed(context)
    srv = Server(context, tmp_path_factory.mktemp("portal-logs"))
    srv.start()
    try:
        r = httpx.put(srv.base + "/v1/sandbox/clock", json={"now": FROZEN}, headers=ADMIN)
        assert r.status_code == 200, r.text
        yield srv.base
    finally:
        srv.stop()
        context.mailer.close()


@pytest.fixture(scope="module")
def api(server: str) -> Api:
    return Api(server)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=server)
    yield context.new_page()
    context.close()


def messy(key: str) -> str:
    """The License Information as a mail client quotes it: labels, line breaks, spaces."""
    return (f"> Product:       Mockups 3 for Desktop\n> License Name:  Acme Inc\n"
            f"> License Key:\n>   {key[:23]}\n>  {key[23:47]} \n> {key[47:]}\n"
            "> Seats:         1\n")


def error_of(page: Any, field: str) -> str:
    """The error shown next to a field, checked to be announced through aria-describedby. Waits
    for the error first: a refusal comes on the page the form leads to, and the page being
    left has the same field without it."""
    page.locator(f"#{field}-error").wait_for(state="attached")
    described = page.locator(f"#{field}").get_attribute("aria-describedby") or ""
    assert f"{field}-error" in described.split()
    return str(page.locator(f"#{field}-error").inner_text()).strip()


def test_upgrade_by_card_from_a_messy_key(page: Any, api: Api) -> None:
    lic = api.license(seats=1)
    page.goto("/upgrade")
    page.get_by_label("License Name").fill("Acme Inc")
    page.get_by_label("License Key").fill(messy(lic["license_key"]))
    page.get_by_role("button", name="Continue").click()
    assert "1 user" in page.locator("dl.facts").inner_text()
    page.get_by_label("Total users").fill("5")
    page.get_by_role("button", name="Show price").click()
    assert "$340.00" in page.locator("table.lines").inner_text()  # before anything is paid
    page.get_by_role("button", name="Continue").click()
    assert "$340.00" in page.locator("table.lines").inner_text()
    assert page.get_by_label("Card token").input_value() == "tok_visa"
    page.get_by_label("Your name").fill("Ana Diaz")
    page.get_by_label("Email").fill("ana@acme.test")
    page.get_by_label("Company").fill("Acme Inc")
    page.get_by_role("button", name="Pay now").click()
    assert "Thank you" in page.locator("main").inner_text()
    assert "Users already registered need do nothing" in page.locator("main").inner_text()
    new_key = page.locator("pre.key").inner_text().strip()
    check = api.call("POST", "/v1/licenses/validate",
                     json={"license_name": "Acme Inc", "license_key": new_key})
    assert check["code"] == "VALID" and check["license"]["seats"] == 5
    assert page.get_by_role("button", name="Copy License Key").count() == 1
    old = api.call("POST", "/v1/licenses/validate",
                   json={"license_name": "Acme Inc", "license_key": lic["license_key"]})
    assert old["code"] == "SUPERSEDED"


def test_invoice_order_with_its_pdf(page: Any, api: Api) -> None:
    page.goto("/buy/desktop")
    page.get_by_label("Total users").fill("5")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Pay by invoice").check()
    assert page.locator("#pay-button").inner_text() == "Place order"  # named for the choice
    page.get_by_label("Your name").fill("Bo Chen")
    page.get_by_label("Email").fill("bo@acme.test")
    page.get_by_label("Company").fill("Acme Inc")
    page.get_by_label("Purchase order number").fill("PO-4711")
    page.get_by_role("button", name="Place order").click()
    text = page.locator("main").inner_text()
    number = re.search(r"Order (LIC-\d{6})", text).group(1)  # type: ignore[union-attr]
    assert "awaits payment, due April 3, 2027 (Net 30)" in text
    link = page.get_by_role("link", name="Invoice (PDF)").get_attribute("href")
    pdf = page.request.get(link)
    assert pdf.headers["content-type"] == "application/pdf"
    for part in (number, "PO-4711", "Acme Inc", "Net 30", "$429.00"):
        assert part.encode() in pdf.body(), part


def test_a_refusal_is_shown_next_to_its_field(page: Any, api: Api) -> None:
    lic = api.license(seats=5)
    refused = httpx.post(api.http.base_url.join("/v1/quotes"), json={
        "kind": "upgrade", "license_name": "Acme Inc", "license_key": lic["license_key"],
        "seats": 3}).json()
    page.goto("/upgrade")
    page.get_by_label("License Name").fill("Acme Inc")
    page.get_by_label("License Key").fill(lic["license_key"])
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Total users").fill("3")
    page.get_by_role("button", name="Continue").click()
    assert error_of(page, "seats") == plain(refused["error"]["message"])  # users, not seats
    assert page.locator("#seats").get_attribute("aria-invalid") == "true"


def test_a_marketplace_license_is_sent_to_the_marketplace(page: Any, api: Api) -> None:
    lic = api.license(product="confluence-server", seats=10, channel="marketplace",
                      sen=f"SEN-L{uuid.uuid4().int % 10**8}")
    page.goto("/upgrade")
    page.get_by_label("License Name").fill("Acme Inc")
    page.get_by_label("License Key").fill(lic["license_key"])
    page.get_by_role("button", name="Continue").click()
    assert "marketplace" in error_of(page, "license_key")
    link = page.locator("#license_key-error a")
    assert link.get_attribute("href") == "https://my.atlassian.com"


def test_lost_key_reads_the_same_for_known_and_unknown_addresses(page: Any,
                                                                 api: Api) -> None:
    lic = api.license()
    answers = []
    for email in (lic["email"], "nobody-" + lic["email"]):
        page.goto("/lost-key")
        page.get_by_label("Email").fill(email)
        page.get_by_role("button", name="Send my License Information").click()
        answers.append(page.locator("main").inner_text())
    assert answers[0] == answers[1] and "If licenses were bought" in answers[0]


def log_in(page: Any, account: dict[str, Any]) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(account["email"])
    page.get_by_label("Password").fill(account["password"])
    page.get_by_role("button", name="Log in").click()
    assert page.url.endswith("/sites")


def test_a_plan_change_previews_what_the_api_previews(page: Any, api: Api) -> None:
    owner = api.account("Owner")
    site = api.call("POST", "/v1/sites", owner["token"], json={"name": "Acme"})
    sub = api.call("POST", "/v1/subscriptions", owner["token"], json={
        "site_id": site["id"], "plan": "small", "interval": "month", "card_token": "tok_visa"})
    log_in(page, owner)
    page.goto(f"/sites/{site['id']}/billing")
    page.get_by_label("Plan", exact=True).select_option("large")
    page.get_by_label("Billing interval").select_option(label="Yearly")
    page.get_by_role("button", name="Preview").click()
    shown = {f: page.locator(f'[data-field="{f}"]').inner_text() for f in
             ("credit_applied", "amount_due", "credit_balance_after",
              "current_period_end_after")}
    expected = api.call("POST", f"/v1/subscriptions/{sub['id']}/change/preview",
                        owner["token"], json={"plan": "large", "interval": "year"})
    assert shown == {"credit_applied": money(expected["credit_applied"]),
                     "amount_due": money(expected["amount_due"]),
                     "credit_balance_after": money(expected["credit_balance_after"]),
                     "current_period_end_after": human_date(
                         expected["current_period_end_after"])}
    page.get_by_role("button", name="Confirm change").click()
    assert "Your plan is changed" in page.locator("main").inner_text()
    after = api.call("GET", f"/v1/subscriptions/{sub['id']}", owner["token"])
    assert (after["plan"], after["interval"]) == ("large", "year")
    pdf = page.get_by_role("link", name="PDF").first.get_attribute("href")
    assert page.request.get(pdf).body().startswith(b"%PDF")


def test_a_member_cannot_change_billing(page: Any, api: Api) -> None:
    owner, member = api.account("Owner"), api.account("Member")
    site = api.call("POST", "/v1/sites", owner["token"], json={"name": "Acme"})
    api.call("POST", f"/v1/sites/{site['id']}/members", owner["token"],
             json={"email": member["email"], "role": "member"})
    log_in(page, member)
    page.goto(f"/sites/{site['id']}/billing")
    assert "Only the site's owner or its billing admin" in page.locator(
        "#billing-readonly").inner_text()
    for button in ("Preview", "Confirm change", "Cancel subscription", "Subscribe"):
        assert page.get_by_role("button", name=button).count() == 0


def test_a_holder_removes_a_registered_user(page: Any, api: Api) -> None:
    lic = api.license(seats=1)
    info = {"license_name": "Acme Inc", "license_key": lic["license_key"]}
    api.call("POST", "/v1/registrations", json={**info, "user": "alice"})
    page.goto("/license")
    page.get_by_label("License Name").fill("Acme Inc")
    page.get_by_label("License Key").fill(lic["license_key"])
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Remove alice").click()
    page.locator("main", has_text="alice was removed").wait_for()  # the page the form leads to
    assert page.get_by_role("button", name="Remove alice").count() == 0
    api.call("POST", "/v1/registrations", json={**info, "user": "bob"})  # the seat is free


def test_csrf_refused(page: Any) -> None:
    page.goto("/lost-key")
    page.locator('input[name="csrf_token"]').evaluate("el => el.value = 'forged'")
    page.get_by_label("Email").fill("ana@acme.test")
    page.get_by_role("button", name="Send my License Information").click()
    assert "CSRF_TOKEN_INVALID" in page.locator("main").inner_text()
    refused = page.request.post("/lost-key", form={"email": "ana@acme.test"})
    assert refused.status == 403


def test_the_upgrade_flow_at_375_px_has_no_horizontal_scroll(browser: Any, server: str,
                                                             api: Api) -> None:
    context = browser.new_context(base_url=server, viewport={"width": 375, "height": 740})
    page = context.new_page()
    try:
        lic = api.license(seats=1)

        def fits() -> None:
            page.wait_for_load_state()  # after a click that navigates: the new document
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, (page.url, width)

        page.goto("/upgrade")
        fits()
        page.get_by_label("License Name").fill("Acme Inc")
        page.get_by_label("License Key").fill(lic["license_key"])
        page.get_by_role("button", name="Continue").click()
        fits()
        page.get_by_label("Total users").fill("5")
        page.get_by_role("button", name="Continue").click()
        fits()
        page.get_by_label("Your name").fill("Ana")
        page.get_by_label("Email").fill("ana@acme.test")
        page.get_by_role("button", name="Pay now").click()
        fits()  # the License Key block wraps too
    finally:
        context.close()
