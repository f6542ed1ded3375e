# ruff: noqa: F811  (the portal's browser fixtures are imported by name and used as arguments)
"""The console in a real browser (Playwright, Debian's Chromium) against the real server
subprocess: the portal's browser fixtures (one server and one browser for the module)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from licensor.core.formats import money
from tests.marketplace.helpers import ADDRESS
from tests.portal.test_browser import (  # noqa: F401  (fixtures)
    Api,
    api,
    browser,
    messy,
    page,
    pytestmark,
    server,
)

PASSWORD = "correct horse battery"


def staff(api: Api, role: str) -> str:
    email = f"{role}-{uuid.uuid4().hex[:8]}@vendor.test"
    api.call("POST", "/v1/staff", json={"email": email, "password": PASSWORD, "role": role})
    return email


def log_in(page: Any, email: str, to: str = "/admin/licenses") -> None:
    page.goto(to)  # sent to the login page, and back after it
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**" + to)


def test_admin_finds_a_license_by_pasted_key_and_revokes_it(page: Any, api: Api) -> None:
    email = staff(api, "admin")
    lic = api.license(seats=1)
    log_in(page, email)
    page.get_by_label("Search").fill(messy(lic["license_key"]))
    page.get_by_role("button", name="Search").click()
    assert "1 license found" in page.locator("main").inner_text()
    page.locator("table.results a").first.click()
    assert lic["id"] in page.locator("dl.facts").inner_text()
    assert page.get_by_label("Reason").get_attribute("required") is not None
    page.get_by_label("Reason").fill("chargeback")
    page.get_by_role("button", name="Revoke").click()
    assert "The license is revoked" in page.locator("main").inner_text()
    assert api.call("GET", f"/v1/licenses/{lic['id']}")["status"] == "revoked"
    assert f"staff:{email}" in page.locator("table.audit").inner_text()


def test_admin_marks_an_invoice_order_paid(page: Any, api: Api) -> None:
    quote = api.call("POST", "/v1/quotes", json={"kind": "new", "product": "desktop",
                                                 "seats": 4})
    order = api.call("POST", "/v1/orders", json={
        "quote_id": quote["id"], "payment_method": "invoice",
        "buyer": {"name": "Jo", "email": "jo@acme.test", "company": "Acme"}})
    log_in(page, staff(api, "admin"), "/admin/orders")
    page.get_by_role("link", name=order["number"]).click()
    page.get_by_role("button", name="Mark paid").click()
    assert "Marked paid" in page.locator("main").inner_text()
    done = api.call("GET", f"/v1/orders/{order['id']}")
    assert done["status"] == "fulfilled" and done["licenses"][0]["seats"] == 4


def test_admin_completes_a_migration_with_a_sen(page: Any, api: Api) -> None:
    lic = api.license(product="confluence-server", seats=25)
    org = f"Org {uuid.uuid4().hex[:6]}"
    mig = api.call("POST", "/v1/migrations", json={
        "license_name": lic["license_name"], "license_key": lic["license_key"],
        "hosting": "server", "server_user_tier": 25, "marketplace_email": "a@acme.test",
        "holder_first_name": "Ada", "holder_last_name": "L", "organisation": org,
        "address": ADDRESS})
    log_in(page, staff(api, "admin"), "/admin/migrations")
    page.locator(f'a[href="/admin/migrations/{mig["id"]}"]').click()
    page.get_by_label("SEN").fill("SEN-L5550001")
    page.get_by_role("button", name="Complete").click()
    assert "Completed" in page.locator("main").inner_text()
    assert api.call("GET", f"/v1/licenses/{lic['id']}")["sen"] == "SEN-L5550001"


def test_support_is_refused_and_a_forged_form_too(page: Any, api: Api) -> None:
    quote = api.call("POST", "/v1/quotes", json={"kind": "new", "product": "desktop",
                                                 "seats": 4})
    order = api.call("POST", "/v1/orders", json={
        "quote_id": quote["id"], "payment_method": "invoice",
        "buyer": {"name": "Jo", "email": "jo@acme.test", "company": "Acme"}})
    path = f"/admin/orders/{order['id']}"
    log_in(page, staff(api, "support"), path)
    assert page.get_by_role("button", name="Mark paid").count() == 0
    assert page.get_by_role("button", name="Refund").count() == 0
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    refused = page.request.post(path + "/mark-paid", form={"csrf_token": token})
    assert refused.status == 403 and "FORBIDDEN" in refused.text()
    page.goto("/admin/login")  # an administrator now, in the same browser
    page.get_by_label("Email").fill(staff(api, "admin"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin")
    forged = page.request.post(path + "/mark-paid", form={"csrf_token": "0" * 64})
    assert forged.status == 403 and "CSRF_TOKEN_INVALID" in forged.text()
    assert api.call("GET", f"/v1/orders/{order['id']}")["status"] == "awaiting_payment"


def _march(page: Any) -> tuple[str, str]:
    """The dashboard's figure of new-license revenue for March 2027 (the frozen clock's month):
    the table's text and the bar's value in cents; no table yet when nothing was sold in USD
    (the test run alone)."""
    cells = page.locator('#revenue-USD tr[data-month="2027-03"] td')
    cell = cells.first.inner_text() if cells.count() else ""
    bar = page.locator('rect[data-month="2027-03"][data-series="new"]')
    return cell, (bar.get_attribute("data-value") if bar.count() else "0") or "0"


def test_the_dashboard_draws_what_was_sold(page: Any, api: Api) -> None:
    log_in(page, staff(api, "support"), "/admin")
    before_cell, before_bar = _march(page)
    quote = api.call("POST", "/v1/quotes", json={"kind": "new", "product": "desktop",
                                                 "seats": 3})
    order = api.call("POST", "/v1/orders", json={
        "quote_id": quote["id"], "payment_method": "card",
        "buyer": {"name": "Jo", "email": "jo@acme.test", "company": "Acme"}})
    api.call("POST", f"/v1/orders/{order['id']}/pay", json={"card_token": "tok_visa"})
    page.reload()
    cell, bar = _march(page)
    assert int(bar) - int(before_bar) == quote["total"]["amount"] == 26700
    assert cell == money({"amount": int(bar), "currency": "USD"}) != before_cell
    assert page.locator("section.chart svg").count() == 2


def test_a_catalog_edit_is_previewed_then_saved(page: Any, api: Api) -> None:
    log_in(page, staff(api, "admin"), "/admin/catalog/jira-server")
    document = page.get_by_label("Product JSON")
    edited = json.loads(document.input_value())
    edited["pricing"]["tiers"][0]["price"]["amount"] = 35000  # 10 editors: $300 → $350
    document.fill(json.dumps(edited, indent=2))
    page.get_by_role("button", name="Preview").click()
    row = page.locator("#list-prices tr.changed")
    assert row.count() == 1 and "$300.00" in row.inner_text() and "$350.00" in row.inner_text()
    upgrade = page.locator("#upgrade-prices tr", has_text="10 editors → 25 editors")
    assert "$300.00" in upgrade.inner_text() and "$250.00" in upgrade.inner_text()
    assert api.call("GET", "/v1/products/jira-server")["pricing"]["tiers"][0]["price"][
        "amount"] == 30000  # a preview saves nothing
    page.get_by_role("button", name="Save").click()
    assert "jira-server saved" in page.locator("main").inner_text()
    assert api.call("GET", "/v1/products/jira-server")["pricing"]["tiers"][0]["price"][
        "amount"] == 35000
