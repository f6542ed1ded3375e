"""The Discount code field of step 3 in a real browser (Chromium) against the real server: the
discounted price before Pay now, the order charged at that price, a refused code next to the
field, and the upgrade flow with an amount-off coupon. The server, browser and API client are
test_browser's; coupons are made by the vendor's own service, as the CLI makes them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from licensor.core.db import Database
from licensor.core.money import Money
from licensor.discounts import service as discounts
from licensor.discounts.service import CouponTerms
from tests.portal import test_browser
from tests.portal.test_browser import Api, error_of

# One server and one browser for this module too, started as test_browser starts them.
pytestmark = test_browser.pytestmark
server, api, browser, page = (test_browser.server, test_browser.api, test_browser.browser,
                              test_browser.page)

FROZEN = datetime(2027, 3, 4, 12, tzinfo=UTC)


def make_coupon(database: Database, code: str, **terms: Any) -> None:
    with database.writer() as session:
        discounts.create_coupon(session, CouponTerms(code=code, **terms), now=FROZEN,
                                actor="test")
        session.commit()


def lines_of(page: Any) -> str:
    return str(page.locator("table.lines").inner_text())


def test_buy_with_a_percent_code_pays_the_discounted_quote(
        page: Any, api: Api, database: Database) -> None:
    make_coupon(database, "SPRING20", percent_off=Decimal(20))
    page.goto("/buy/desktop")
    page.get_by_label("Total users").fill("5")
    page.get_by_role("button", name="Continue").click()
    assert "$429.00" in lines_of(page)
    page.get_by_label("Discount code").fill("spring20")  # case does not matter
    page.get_by_role("button", name="Apply").click()
    # Before anything is paid: the discount is a line of its own, and the new total.
    row = page.locator("table.lines tbody tr", has_text="Coupon SPRING20 (20% off)")
    assert row.locator("td.num").inner_text() == "-$85.80"
    assert page.locator("table.lines tfoot").inner_text().split()[-1] == "$343.20"
    assert page.get_by_label("Discount code").input_value() == "SPRING20"
    assert page.get_by_label("Card token").input_value() == "tok_visa"
    page.get_by_label("Your name").fill("Ana Diaz")
    page.get_by_label("Email").fill("ana-spring@acme.test")
    page.get_by_role("button", name="Pay now").click()
    main = page.locator("main").inner_text()
    assert "Thank you" in main and "License Name" in main
    key = page.locator("pre.key").inner_text().strip()
    check = api.call("POST", "/v1/licenses/validate",
                     json={"license_name": "Ana Diaz", "license_key": key})
    assert check["code"] == "VALID" and check["license"]["seats"] == 5
    order_id = re.search(r"/orders/([^?]+)\?", page.url).group(1)  # type: ignore[union-attr]
    order = api.call("GET", f"/v1/orders/{order_id}")
    assert order["total"] == Money(34320, "USD").to_json()
    quote = api.call("GET", f"/v1/quotes/{order['quote_id']}")
    assert [line["description"] for line in quote["lines"]][-1] == "Coupon SPRING20 (20% off)"
    with database.reader() as session:
        assert discounts.get_coupon(session, "SPRING20").times_redeemed == 1


def test_an_unknown_code_is_refused_next_to_the_field_and_the_price_stays(
        browser: Any, server: str) -> None:
    context = browser.new_context(base_url=server, viewport={"width": 375, "height": 740})
    page = context.new_page()
    try:
        page.goto("/buy/desktop")
        page.get_by_label("Total users").fill("5")
        page.get_by_role("button", name="Continue").click()
        checkout = page.url
        page.get_by_label("Discount code").fill("NOSUCHCODE")
        page.get_by_label("Discount code").press("Enter")  # Enter applies; it never pays
        message = error_of(page, "coupon")
        assert "There is no coupon 'NOSUCHCODE'" in message
        assert page.locator("table.lines tfoot").inner_text().split()[-1] == "$429.00"
        assert "Coupon" not in lines_of(page)
        assert page.get_by_label("Discount code").get_attribute("aria-invalid") == "true"
        # Still that quote: paying now orders it without a coupon.
        assert page.locator("form:has(#pay-button)").get_attribute("action") == \
            checkout.replace(server, "")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()


def test_upgrade_with_an_amount_off_code(page: Any, api: Api, database: Database) -> None:
    make_coupon(database, "TENOFF", amount_off=Money(1000, "USD"))
    lic = api.license(seats=1)
    page.goto("/upgrade")
    page.get_by_label("License Name").fill("Acme Inc")
    page.get_by_label("License Key").fill(lic["license_key"])
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Total users").fill("5")
    page.get_by_role("button", name="Continue").click()
    assert page.locator("table.lines tfoot").inner_text().split()[-1] == "$340.00"
    page.get_by_label("Discount code").fill("TENOFF")
    page.get_by_role("button", name="Apply").click()
    row = page.locator("table.lines tbody tr", has_text="Coupon TENOFF ($10.00 off)")
    assert row.locator("td.num").inner_text() == "-$10.00"
    assert page.locator("table.lines tfoot").inner_text().split()[-1] == "$330.00"
    page.get_by_label("Your name").fill("Ana Diaz")
    page.get_by_label("Email").fill("ana-upgrade@acme.test")
    page.get_by_role("button", name="Pay now").click()
    assert "Users already registered need do nothing" in page.locator("main").inner_text()
    new_key = page.locator("pre.key").inner_text().strip()
    check = api.call("POST", "/v1/licenses/validate",
                     json={"license_name": "Acme Inc", "license_key": new_key})
    assert check["code"] == "VALID" and check["license"]["seats"] == 5
    order_id = re.search(r"/orders/([^?]+)\?", page.url).group(1)  # type: ignore[union-attr]
    assert api.call("GET", f"/v1/orders/{order_id}")["total"] == Money(33000, "USD").to_json()
