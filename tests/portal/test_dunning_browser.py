"""The billing page of a past-due site in a real browser (Chromium) against the real server:
Update card is offered while the subscription is active (the card is saved for renewals);
after a declined renewal a banner at the top says the amount and the next try; a card that
declines is refused next to the field, and one that pays ends the banner. Every form posts,
then redirects (reloading never sends it twice). The server, browser and API client are
test_browser's; the renewal falls due through the sandbox clock."""

from __future__ import annotations

from typing import Any

from licensor.core.web.portal import human_date, money
from tests.portal import test_browser
from tests.portal.test_browser import Api, error_of, log_in

# One server and one browser for this module too, started as test_browser starts them.
pytestmark = test_browser.pytestmark
server, api, browser, page = (test_browser.server, test_browser.api, test_browser.browser,
                              test_browser.page)

DAY = 86400


def main_text(page: Any) -> str:
    return str(page.locator("main").inner_text())


def update_card(page: Any, token: str) -> None:
    page.get_by_label("Card token").fill(token)
    page.get_by_role("button", name="Update card").click()


def test_a_past_due_site_shows_the_banner_and_an_updated_card_pays(page: Any,
                                                                    api: Api) -> None:
    owner = api.account("Owner")
    site = api.call("POST", "/v1/sites", owner["token"], json={"name": "Rocket Co"})
    sub = api.call("POST", "/v1/subscriptions", owner["token"], json={
        "site_id": site["id"], "plan": "small", "interval": "month", "card_token": "tok_visa"})
    billing = f"/sites/{site['id']}/billing"
    log_in(page, owner)
    page.goto(billing)
    assert page.locator("#past-due").count() == 0
    update_card(page, "tok_chargeCustomerFail")  # offered while active: saved for renewals
    assert page.url.endswith(f"{billing}?done=card_saved")
    assert "Your card is saved" in main_text(page)
    api.call("POST", "/v1/sandbox/clock/advance", json={"seconds": 31 * DAY})
    now = api.call("GET", f"/v1/subscriptions/{sub['id']}", owner["token"])
    assert now["status"] == "past_due" and now["failed_payment_attempts"] == 1
    [first] = api.call("GET", f"/v1/subscriptions/{sub['id']}/invoices",
                       owner["token"])["data"]
    page.goto(billing)
    banner = page.locator("#past-due")
    assert banner.locator('[data-field="past_due_amount"]').inner_text() == money(
        first["amount_paid"])
    assert banner.locator('[data-field="next_payment_attempt_at"]').inner_text() == \
        human_date(now["next_payment_attempt_at"])
    assert "The site keeps working" in banner.inner_text()
    update_card(page, "tok_chargeCustomerFail")  # declined: said next to the field
    assert "declined" in error_of(page, "card_token")
    assert page.locator("#past-due").count() == 1
    assert api.call("GET", f"/v1/subscriptions/{sub['id']}",
                    owner["token"])["status"] == "past_due"
    update_card(page, "tok_visa")
    assert page.url.endswith(f"{billing}?done=card_paid")
    assert "the renewal is paid" in main_text(page)
    assert page.locator("#past-due").count() == 0
    page.reload()  # post/redirect/get: a reload charges nothing again
    after = api.call("GET", f"/v1/subscriptions/{sub['id']}", owner["token"])
    assert (after["status"], after["current_period_start"]) == ("active",
                                                                now["current_period_end"])
    invoices = api.call("GET", f"/v1/subscriptions/{sub['id']}/invoices",
                        owner["token"])["data"]
    assert [i["reason"] for i in invoices] == ["subscription_create", "renewal"]
