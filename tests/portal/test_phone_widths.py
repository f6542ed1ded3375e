"""The quote page and the holder's /license page on a 375 px phone (Chromium): nothing wider
than the screen. The server, browser and API client are test_browser's."""

from __future__ import annotations

from typing import Any

from tests.portal import test_browser
from tests.portal.test_browser import Api

pytestmark = test_browser.pytestmark
server, api, browser = test_browser.server, test_browser.api, test_browser.browser

WIDEST = """() => Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > 375)
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))
  .slice(0, 8)"""


def _fits(page: Any) -> None:
    page.wait_for_load_state()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, (page.url, width, page.evaluate(WIDEST))


def _phone(browser: Any, server: str) -> Any:
    return browser.new_context(base_url=server, viewport={"width": 375, "height": 740})


def test_the_quote_page_fits_a_375_px_screen(browser: Any, server: str, api: Api) -> None:
    lic = api.license(seats=1)
    quote = api.call("POST", "/v1/quotes", json={
        "kind": "upgrade", "license_name": "Acme Inc", "license_key": lic["license_key"],
        "seats": 5})
    context = _phone(browser, server)
    try:
        page = context.new_page()
        page.goto(f"/quotes/{quote['id']}")
        assert "$340.00" in page.locator("main").inner_text()
        _fits(page)
    finally:
        context.close()


def test_the_license_page_fits_a_375_px_screen(browser: Any, server: str, api: Api) -> None:
    lic = api.license(seats=2, license_name="Acme Incorporated International Holdings",
                      email="it-department-of-acme-international@acme-holdings.example")
    info = {"license_name": lic["license_name"], "license_key": lic["license_key"]}
    api.call("POST", "/v1/registrations",
             json={**info, "user": "alexandra.konstantinopoulou@acme-holdings.example"})
    context = _phone(browser, server)
    try:
        page = context.new_page()
        page.goto("/license")
        _fits(page)
        page.get_by_label("License Name").fill(lic["license_name"])
        page.get_by_label("License Key").fill(lic["license_key"])
        page.get_by_role("button", name="Continue").click()
        assert "Registered users" in page.locator("main").inner_text()
        _fits(page)
    finally:
        context.close()
