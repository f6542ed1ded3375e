"""/google-drive in a real browser (Chromium) against the real server: from the home page to
a subscribed Google account, listed on the page and on /sites. The server, browser and API
client are test_browser's."""

from __future__ import annotations

import uuid
from typing import Any

from tests.portal import test_browser
from tests.portal.test_browser import Api, log_in

pytestmark = test_browser.pytestmark
server, api, browser, page = (test_browser.server, test_browser.api, test_browser.browser,
                              test_browser.page)


def test_a_google_account_is_subscribed_from_the_home_page(page: Any, api: Api) -> None:
    ana = api.account("Ana")
    log_in(page, ana)
    page.goto("/")
    page.locator('a[href="/google-drive"]').first.click()
    page.wait_for_url("**/google-drive")
    google_id = f"ana-{uuid.uuid4().hex[:8]}@gmail.test"
    page.get_by_label("Google ID").fill(google_id)
    page.get_by_label("Plan").select_option("single")
    page.get_by_label("Billing interval").select_option("month")
    assert page.get_by_label("Card token").input_value() == "tok_visa"
    page.get_by_role("button", name="Subscribe").click()
    assert "Subscribed" in page.locator("main").inner_text()
    row = page.locator("tr", has_text=google_id).inner_text()
    assert "active" in row and "monthly" in row
    page.goto("/sites")
    assert f"{google_id}: single month · active" in page.locator("main").inner_text()
