"""Step 3's layout in a real browser (Chromium): the order summary beside the form on a wide
screen and below it, in one column with no horizontal scroll, on a 375 px phone. The server,
browser and API client are test_browser's."""

from __future__ import annotations

from typing import Any

from tests.portal import test_browser

pytestmark = test_browser.pytestmark
server, api, browser = test_browser.server, test_browser.api, test_browser.browser


def _checkout_boxes(browser: Any, server: str, width: int) -> tuple[dict[str, float],
                                                                      dict[str, float], int]:
    """The boxes of the payment form and of the order summary, and the page's scroll width."""
    context = browser.new_context(base_url=server, viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        page.goto("/buy/desktop")
        page.get_by_label("Total users").fill("2")
        page.get_by_role("button", name="Continue").click()
        assert "/checkout/" in page.url
        form = page.locator("form:has(#pay-button)").bounding_box()
        summary = page.locator("#checkout-summary").bounding_box()
        assert "$" in page.locator("#checkout-summary table.lines").inner_text()
        return form, summary, int(page.evaluate("document.documentElement.scrollWidth"))
    finally:
        context.close()


def test_the_summary_sits_beside_the_form_on_a_wide_screen(browser: Any, server: str) -> None:
    form, summary, scroll = _checkout_boxes(browser, server, 1280)
    assert summary["x"] >= form["x"] + form["width"]  # to its right
    assert summary["y"] < form["y"] + form["height"]  # and level with it, not below
    assert scroll <= 1280


def test_the_summary_is_below_the_form_at_375_px(browser: Any, server: str) -> None:
    form, summary, scroll = _checkout_boxes(browser, server, 375)
    assert summary["y"] >= form["y"] + form["height"]  # below it
    assert abs(summary["x"] - form["x"]) < 1 and summary["width"] <= 375  # one column
    assert scroll <= 375
