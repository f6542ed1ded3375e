"""Self-service account pages in a real browser (Chromium) against the real server: from the
login page's Forgot password? to a new password through the mailed link, and /account
changing the email through the link mailed to the new address. The mails are read from the
server's outbox; the server, browser and API client are test_browser's."""

from __future__ import annotations

import re
import time
from typing import Any

from tests.portal import test_browser
from tests.portal.test_browser import Api, error_of, log_in

pytestmark = test_browser.pytestmark
server, api, browser, page = (test_browser.server, test_browser.api, test_browser.browser,
                              test_browser.page)

LINK = re.compile(r"https?://\S+?(/(?:password-reset|account/email)/[A-Za-z0-9_-]+)")


def mailed_path(api: Api, to: str, subject: str) -> str:
    """The path of the link in the newest mail to `to` with `subject`. The page answers before
    the look-up and the mail (the same answer for any address), so the mail may come a moment
    after the page: wait for it, up to 15 s."""
    deadline = time.monotonic() + 15
    while True:
        sent = [m for m in api.call("GET", f"/v1/sandbox/outbox?to={to}")["data"]
                if m["subject"] == subject]
        if sent or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert sent, f"no mail {subject!r} to {to}"
    return LINK.search(sent[-1]["body"]).group(1)  # type: ignore[union-attr]


def fits_375(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= 375"))


def test_forgot_password_to_a_new_password(page: Any, api: Api) -> None:
    ana = api.account("Ana")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/login")
    page.get_by_role("link", name="Forgot password?").click()
    page.wait_for_url("**/password-reset")
    assert fits_375(page)
    page.get_by_label("Email").fill("not an address")
    page.get_by_role("button", name="Send reset link").click()
    assert "ana@example.com" in error_of(page, "email")
    page.get_by_label("Email").fill(ana["email"])
    page.get_by_role("button", name="Send reset link").click()
    assert "is on its way" in page.locator("main").inner_text()
    page.goto(mailed_path(api, ana["email"], "Reset your password"))
    page.wait_for_load_state()
    assert fits_375(page)
    page.get_by_label("New password").fill("brand-new")
    page.get_by_role("button", name="Set password").click()
    assert "Your new password is set" in page.locator("main").inner_text()
    log_in(page, {**ana, "password": "brand-new"})


def test_account_changes_its_email_when_the_mailed_link_is_followed(page: Any,
                                                                    api: Api) -> None:
    ana = api.account("Ana")
    log_in(page, ana)
    page.get_by_role("link", name="Account", exact=True).click()
    assert page.get_by_label("Name").input_value() == "Ana"
    new = "new-" + ana["email"]
    page.get_by_label("Name").fill("Ana Diaz")
    page.get_by_label("Email").fill(new)
    page.get_by_role("button", name="Save").click()
    assert "your email changes when you follow it" in page.locator("main").inner_text()
    assert page.get_by_label("Email").input_value() == ana["email"]  # not yet
    page.goto(mailed_path(api, new, "Confirm your new email address"))
    page.get_by_role("button", name="Confirm email address").click()
    assert "confirmed" in page.locator("main").inner_text()
    assert page.get_by_label("Email").input_value() == new
    assert page.get_by_label("Name").input_value() == "Ana Diaz"
    page.reload()  # post/redirect/get: reloading sends nothing again
    assert page.get_by_label("Email").input_value() == new
