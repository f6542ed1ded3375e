"""Members in a real browser (Chromium) against the real server: the owner invites someone
without an account (mailed, joins on signing up) and removes a member, at 375 px, each form
answering with a redirect. The server, browser and API client are test_browser's."""

from __future__ import annotations

import uuid
from typing import Any

from tests.portal import test_browser
from tests.portal.test_browser import Api, log_in
from tests.portal.test_flows_browser import mails

pytestmark = test_browser.pytestmark
server, api, browser, page = (test_browser.server, test_browser.api, test_browser.browser,
                              test_browser.page)


def test_the_owner_invites_a_newcomer_who_joins_on_signing_up_then_removes_them(
        page: Any, api: Api) -> None:
    owner = api.account("Owner")
    site = api.call("POST", "/v1/sites", owner["token"], json={"name": "Team Co"})
    members = f"/sites/{site['id']}/members"
    newcomer = f"newbie-{uuid.uuid4().hex[:8]}@acme.test"
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, owner)
    page.goto(members)
    page.get_by_label("Email").fill(newcomer)
    page.get_by_label("Role").select_option("staff")
    page.get_by_role("button", name="Invite").click()
    page.wait_for_url(f"**{members}?done=invited")
    assert "Invited, not signed up yet" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    [invitation] = mails(api, newcomer, "invited you to Team Co")
    assert "/signup" in invitation["body"] and "/v1/" not in invitation["body"]

    page.context.clear_cookies()  # the newcomer signs up with the invited address
    page.goto("/signup")
    page.get_by_label("Name").fill("Newbie")
    page.get_by_label("Email").fill(newcomer)
    page.get_by_label("Password").fill("pw-newbie-long")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/sites")
    assert "Team Co" in page.locator("main").inner_text()

    page.context.clear_cookies()
    log_in(page, owner)
    page.goto(members)
    assert "Invited, not signed up yet" not in page.locator("main").inner_text()
    page.get_by_role("button", name=f"Remove Newbie ({newcomer})").click()
    page.wait_for_url(f"**{members}?done=removed")
    assert newcomer not in page.locator("main").inner_text()
    page.reload()  # post/redirect/get: nothing is sent again
    assert newcomer not in page.locator("main").inner_text()
