# ruff: noqa: F811  (the portal's browser fixtures are imported by name and used as arguments)
"""The console's findings of the third round in a real browser (Chromium against the real
server): an order is found by its number in any case and by company; a pasted key never lands
in the address; the audit view names people by email, not by id."""

from __future__ import annotations

import uuid
from typing import Any

from tests.portal.test_browser import (  # noqa: F401  (fixtures)
    Api,
    api,
    browser,
    messy,
    page,
    pytestmark,
    server,
)
from tests.staff.test_console_browser import log_in, staff


def test_an_order_is_found_by_number_in_any_case_and_by_company(page: Any, api: Api) -> None:
    company = f"Findme {uuid.uuid4().hex[:6]}"
    quote = api.call("POST", "/v1/quotes", json={"kind": "new", "product": "desktop",
                                                 "seats": 5})
    order = api.call("POST", "/v1/orders", json={
        "quote_id": quote["id"], "payment_method": "invoice",
        "buyer": {"name": "Jo", "email": "jo-find@acme.test", "company": company}})
    log_in(page, staff(api, "support"), "/admin/orders")
    for query in (order["number"].lower(), company.split()[1].upper()):
        page.get_by_label("Search").fill(query)
        page.get_by_role("button", name="Search").click()
        results = page.locator("main table")
        assert order["number"] in results.inner_text(), query
    page.get_by_role("link", name=order["number"]).click()
    assert company in page.locator("main").inner_text()


def test_a_pasted_key_stays_out_of_the_address(page: Any, api: Api) -> None:
    lic = api.license(seats=1)
    log_in(page, staff(api, "support"))
    page.get_by_label("Search").fill(messy(lic["license_key"]))
    page.get_by_role("button", name="Search").click()
    assert "1 license found" in page.locator("main").inner_text()
    assert lic["license_key"][:12] not in page.url and "q=" not in page.url


def test_the_audit_view_names_people_by_email(page: Any, api: Api) -> None:
    made = api.account("Audited")
    log_in(page, staff(api, "support"), "/admin/audit")
    page.goto("/admin/audit?entity_type=account")
    text = page.locator("main").inner_text()
    assert made["email"] in text and made["id"] not in text
