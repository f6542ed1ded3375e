"""The billing page's Discount code field in a real browser: a refused code next to the field,
the discount in the preview (as the API previews it), applied by Confirm change."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from licensor.core.db import Database
from licensor.core.web.portal import money
from licensor.discounts.service import CouponTerms, create_coupon
from tests.portal.test_browser import (  # noqa: F401  (the browser tests' fixtures)
    FROZEN,
    Api,
    api,
    browser,
    error_of,
    log_in,
    page,
    server,
)


def test_a_discount_code_in_the_plan_change(page: Any, api: Api,  # noqa: F811
                                            database: Database) -> None:
    with database.transaction() as session:
        create_coupon(session, CouponTerms(code="SPRING10", percent_off=Decimal(10),
                                           duration="forever"),
                      now=datetime.fromisoformat(FROZEN), actor="test")
    owner = api.account("Owner")
    site = api.call("POST", "/v1/sites", owner["token"], json={"name": "Acme"})
    sub = api.call("POST", "/v1/subscriptions", owner["token"], json={
        "site_id": site["id"], "plan": "small", "interval": "month", "card_token": "tok_visa"})
    log_in(page, owner)
    page.goto(f"/sites/{site['id']}/billing")
    page.get_by_label("Plan", exact=True).select_option("large")
    page.get_by_label("Discount code").fill("NOPE")
    page.get_by_role("button", name="Preview").click()
    assert "There is no coupon 'NOPE'" in error_of(page, "coupon")
    page.get_by_label("Discount code").fill("spring10")
    page.get_by_role("button", name="Preview").click()
    expected = api.call("POST", f"/v1/subscriptions/{sub['id']}/change/preview",
                        owner["token"], json={"plan": "large", "coupon": "spring10"})
    [discount] = [x for x in expected["lines"] if x["kind"] == "discount"]
    row = page.locator("#preview tr", has_text="Discount: Coupon SPRING10 (10% off)")
    assert row.locator("td.num").inner_text() == money(discount["amount"])
    assert page.locator('[data-field="amount_due"]').inner_text() == money(
        expected["amount_due"])
    page.get_by_role("button", name="Confirm change").click()
    assert "Your plan is changed" in page.locator("main").inner_text()
    assert page.locator('[data-field="discount"]').inner_text() == \
        "Coupon SPRING10 (10% off), on every invoice"
    invoices = api.call("GET", f"/v1/subscriptions/{sub['id']}/invoices", owner["token"])
    assert invoices["data"][-1]["lines"][-1]["amount"] == discount["amount"]
