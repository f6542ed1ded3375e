# ruff: noqa: F811  (the portal's browser fixtures are imported by name and used as arguments)
"""The console's remaining one-click actions ask first, and the confirmation's button shows it
is at work (Chromium against the real server): migration Complete and Reject, coupon Disable
and Enable; Cancel subscription is offered for a past-due subscription too. The past-due test
advances the sandbox clock: it comes last."""

from __future__ import annotations

import time
import uuid
from typing import Any

from tests.marketplace.helpers import ADDRESS
from tests.portal.test_browser import (  # noqa: F401  (fixtures)
    Api,
    api,
    browser,
    page,
    pytestmark,
    server,
)
from tests.staff.test_console_browser import log_in, staff

DAY = 86400


def _migration(api: Api, organisation: str) -> dict[str, Any]:
    lic = api.license(product="confluence-server", seats=25)
    return api.call("POST", "/v1/migrations", json={
        "license_name": lic["license_name"], "license_key": lic["license_key"],
        "hosting": "server", "server_user_tier": 25, "agree_to_upgrade": False,
        "marketplace_email": "admin@acme.test", "holder_first_name": "Ada",
        "holder_last_name": "Lovelace", "organisation": organisation,
        "address": dict(ADDRESS)})


def _status(api: Api, migration: dict[str, Any]) -> str:
    return str(api.call("GET", f"/v1/migrations/{migration['id']}")["status"])


def test_complete_asks_first_naming_the_sen_and_its_button_is_busy(page: Any,
                                                                    api: Api) -> None:
    mig = _migration(api, "Busy Inc")
    log_in(page, staff(api, "admin"), f"/admin/migrations/{mig['id']}")
    page.get_by_label("SEN").fill("SEN L1 with spaces")  # refused before anything is asked
    page.get_by_role("button", name="Complete").click()
    page.locator("#sen-error").wait_for(state="attached")  # the page the refusal is on
    assert page.locator("#confirm").count() == 0 and page.locator("#sen-error").count() == 1
    page.get_by_label("SEN").fill("SEN-L2345678")
    page.get_by_role("button", name="Complete").click()
    assert "SEN-L2345678" in page.locator("#confirm").inner_text()
    assert _status(api, mig) == "pending"  # nothing done yet
    page.evaluate("""() => document.addEventListener('submit', () => setTimeout(() => {
        const b = document.querySelector('#confirm button');
        sessionStorage.setItem('busy', JSON.stringify([b.disabled, b.textContent,
                                                        b.getAttribute('aria-busy')]));
    }, 50))""")
    sent: list[str] = []

    def slow(route: Any) -> None:  # the server takes a while: the page stays on screen
        if route.request.method == "POST":
            sent.append(route.request.url)
            time.sleep(1)
        route.continue_()

    page.route("**/complete", slow)
    page.locator("#confirm").get_by_role("button", name="Complete").click()
    page.wait_for_url("**?done=completed")
    assert page.evaluate("sessionStorage.getItem('busy')") == '[true,"Completing…","true"]'
    assert len(sent) == 1 and _status(api, mig) == "completed"


def test_reject_asks_first_quoting_the_reason_and_going_back_does_nothing(page: Any,
                                                                           api: Api) -> None:
    mig = _migration(api, "Reject Inc")
    log_in(page, staff(api, "admin"), f"/admin/migrations/{mig['id']}")
    page.get_by_label("Reason").fill("Cloud hosting is not migrated")
    page.get_by_role("button", name="Reject").click()
    assert "Cloud hosting is not migrated" in page.locator("#confirm").inner_text()
    page.get_by_role("link", name="Go back without doing it").click()
    assert _status(api, mig) == "pending"
    page.get_by_label("Reason").fill("Cloud hosting is not migrated")
    page.get_by_role("button", name="Reject").click()
    page.locator("#confirm").get_by_role("button", name="Reject").click()
    page.wait_for_url("**?done=rejected")
    assert _status(api, mig) == "rejected"


def test_disable_and_enable_a_coupon_ask_first(page: Any, api: Api) -> None:
    code = f"Ask{uuid.uuid4().hex[:6]}"
    api.call("POST", "/v1/coupons", json={"code": code, "name": code, "percent_off": 10})
    log_in(page, staff(api, "admin"), "/admin/coupons")

    def row() -> Any:
        return page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=code))

    row().get_by_role("button", name="Disable").click()
    assert "can no longer use it" in page.locator("#confirm").inner_text()
    assert api.call("GET", f"/v1/coupons/{code}")["active"] is True
    button = page.locator("#confirm").get_by_role("button", name="Disable")
    assert button.get_attribute("data-busy") == "Disabling…"
    button.click()
    assert f"Coupon {code} disabled" in page.get_by_role("status").inner_text()
    assert api.call("GET", f"/v1/coupons/{code}")["active"] is False
    row().get_by_role("button", name="Enable").click()
    assert api.call("GET", f"/v1/coupons/{code}")["active"] is False
    page.locator("#confirm").get_by_role("button", name="Enable").click()
    assert api.call("GET", f"/v1/coupons/{code}")["active"] is True


def test_an_admin_cancels_a_past_due_subscription(page: Any, api: Api) -> None:
    """Last: the sandbox clock moves on a month."""
    owner = api.account("Owner")
    site = api.call("POST", "/v1/sites", owner["token"], json={"name": "Late Co"})
    sub = api.call("POST", "/v1/subscriptions", owner["token"], json={
        "site_id": site["id"], "plan": "small", "interval": "month", "card_token": "tok_visa"})
    api.call("PUT", f"/v1/subscriptions/{sub['id']}/card", owner["token"],
             json={"card_token": "tok_chargeCustomerFail"})
    api.call("POST", "/v1/sandbox/clock/advance", json={"seconds": 31 * DAY})
    assert api.call("GET", f"/v1/subscriptions/{sub['id']}", owner["token"])["status"] == \
        "past_due"
    log_in(page, staff(api, "admin"), f"/admin/subscriptions/{sub['id']}")
    page.get_by_role("button", name="Cancel subscription").click()
    assert "no longer tried" in page.locator("#confirm").inner_text()
    page.locator("#confirm").get_by_role("button", name="Cancel subscription").click()
    assert "The subscription is canceled" in page.locator("main").inner_text()
    after = api.call("GET", f"/v1/subscriptions/{sub['id']}", owner["token"])
    assert after["status"] == "canceled" and after["next_payment_attempt_at"] is None
    api.call("POST", "/v1/sandbox/clock/advance", json={"seconds": DAY})  # the next run ends it
    ended = api.call("GET", f"/v1/subscriptions/{sub['id']}", owner["token"])
    assert ended["status"] == "suspended"
