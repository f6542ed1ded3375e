# ruff: noqa: F811  (the portal's browser fixtures are imported by name and used as arguments)
"""The console's coupons in a real browser (Playwright, Debian's Chromium) against the real
server subprocess: a coupon created through the New coupon form, a refusal shown next to its
field, then the coupon disabled from its row."""

from __future__ import annotations

import uuid
from typing import Any

from tests.portal.test_browser import (  # noqa: F401  (fixtures)
    Api,
    api,
    browser,
    error_of,
    page,
    pytestmark,
    server,
)
from tests.staff.test_console_browser import log_in, staff


def test_admin_creates_a_coupon_through_the_form_and_disables_it(page: Any, api: Api) -> None:
    code = f"Spring{uuid.uuid4().hex[:6]}"
    log_in(page, staff(api, "admin"), "/admin")
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Coupons").click()
    page.wait_for_url("**/admin/coupons")
    page.get_by_label("Code").fill(code)
    page.get_by_label("Name").fill("Spring sale")
    page.get_by_label("Percent off").fill("101")
    page.get_by_label("Products").select_option(["desktop"])
    page.get_by_label("Kinds").select_option(["new", "upgrade"])
    page.get_by_label("Duration").select_option("repeating")
    page.get_by_label("Months").fill("3")
    page.get_by_label("Max redemptions").fill("50")
    page.get_by_label("Redeem by").fill("2099-06-30")
    page.get_by_label("Once per customer").check()
    page.get_by_label("Minimum amount").fill("300.00")
    page.get_by_role("button", name="Create coupon").click()
    assert "from 1 to 100" in error_of(page, "percent_off")
    assert page.get_by_label("Code").input_value() == code  # the rest is kept as typed
    assert page.get_by_label("Once per customer").is_checked()

    page.get_by_label("Percent off").fill("20")
    page.get_by_role("button", name="Create coupon").click()
    assert f"Coupon {code} created" in page.get_by_role("status").inner_text()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=code))
    for text in ("20% off, 3 months", "desktop", "new, upgrade purchases", "from $300.00",
                 "0 / 50", "June 30, 2099", "Yes"):
        assert text in row.inner_text(), text
    coupon = api.call("GET", f"/v1/coupons/{code.lower()}")
    assert coupon["percent_off"] == 20.0 and coupon["active"] is True
    assert coupon["applies_to"] == {"products": ["desktop"], "kinds": ["new", "upgrade"]}
    assert coupon["minimum_amount"] == {"amount": 30000, "currency": "USD"}

    row.get_by_role("button", name="Disable").click()
    page.locator("#confirm").get_by_role("button", name="Disable").click()  # asked first
    assert f"Coupon {code} disabled" in page.get_by_role("status").inner_text()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=code))
    assert "No (disabled)" in row.inner_text()
    assert row.get_by_role("button", name="Enable").is_visible()
    assert api.call("GET", f"/v1/coupons/{code}")["active"] is False


def test_support_sees_coupons_without_the_form(page: Any, api: Api) -> None:
    code = f"Read{uuid.uuid4().hex[:6]}"
    api.call("POST", "/v1/coupons", json={"code": code, "name": code, "amount_off": {"amount": 1000,
                                                                      "currency": "USD"}})
    log_in(page, staff(api, "support"), "/admin/coupons")
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=code))
    assert "$10.00 off" in row.inner_text()
    assert page.get_by_role("button", name="Create coupon").count() == 0
    assert page.get_by_role("button", name="Disable").count() == 0
