"""Checkout and self-service flows in a real browser (Chromium) against the real server: what
the buyer typed after a declined card is what the order uses; a refusal is read at the top of
the page and Pay now shows it is at work; the invoice mail's link outlives the payment; a
blank site name is refused; the subscribe form prices before Subscribe; forms redirect after
they change something. The server, browser and API client are test_browser's (one of each
for this module). The suspended-site test advances the sandbox clock: it comes last."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from tests.portal import test_browser
from tests.portal.test_browser import Api, error_of, log_in

pytestmark = test_browser.pytestmark
server, api, browser, page = (test_browser.server, test_browser.api, test_browser.browser,
                              test_browser.page)

LINK = re.compile(r"https?://[^/\s]+(/orders/\S+)")  # the path: public_url is not this server


def mails(api: Api, to: str, subject: str = "", wait: bool = True) -> list[dict[str, Any]]:
    """The outbox's mails to `to` whose subject contains `subject`; some are queued after the
    page answers, so wait for one, up to 15 s, unless `wait` is False."""
    deadline = time.monotonic() + (15 if wait else 0)
    while True:
        sent = [m for m in api.call("GET", f"/v1/sandbox/outbox?to={to}")["data"]
                if subject in m["subject"]]
        if sent or time.monotonic() > deadline:
            return sent
        time.sleep(0.1)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@acme.test"


def main_text(page: Any) -> str:
    return str(page.locator("main").inner_text())


def to_payment(page: Any, seats: str = "1") -> None:
    page.goto("/buy/desktop")
    page.get_by_label("Total users").fill(seats)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/checkout/*")


# -- 1. what the buyer typed after a declined card ---------------------------------------------

def test_a_corrected_email_and_company_after_a_declined_card_are_the_orders(
        page: Any, api: Api) -> None:
    wrong, right = unique("wrong"), unique("right")
    company = f"Right Co {uuid.uuid4().hex[:6]}"
    to_payment(page)
    page.get_by_label("Your name").fill("Ana Diaz")
    page.get_by_label("Email").fill(wrong)
    page.get_by_label("Card token").fill("tok_declined")
    page.get_by_role("button", name="Pay now").click()
    assert "declined" in error_of(page, "card_token")
    page.get_by_label("Email").fill(right)  # corrected, and a Company added
    page.get_by_label("Company").fill(company)
    page.get_by_label("Card token").fill("tok_visa")
    page.get_by_role("button", name="Pay now").click()
    assert "Thank you" in main_text(page)
    assert right in page.locator("#mailed-to").inner_text()  # says where the mail went
    order_id = page.url.split("/orders/")[1].split("?")[0]
    order = api.call("GET", f"/v1/orders/{order_id}")
    assert order["buyer"]["email"] == right and order["buyer"]["company"] == company
    lic = api.call("GET", f"/v1/licenses/{order['licenses'][0]['id']}")
    assert (lic["email"], lic["license_name"]) == (right, company)
    assert page.locator("pre.key").count() == 1
    key = page.locator("pre.key").inner_text().strip()
    assert mails(api, right, "License Information")
    assert not mails(api, wrong, wait=False)  # nothing went to the mistyped address
    page.goto("/license")  # the holder's page knows the corrected address
    page.get_by_label("License Name").fill(company)
    page.get_by_label("License Key").fill(key)
    page.get_by_role("button", name="Continue").click()
    assert f"r•••@{right.split('@')[1]}" in main_text(page)
    page.goto("/lost-key")  # and lost-key sends to it
    page.get_by_label("Email").fill(right)
    page.get_by_role("button", name="Send my License Information").click()
    assert any(key[:10] in m["body"].replace("-", "")[:100000] or company in m["body"]
               for m in mails(api, right, "Your License Information"))


# -- 2. a refusal at the top; Pay now at work ----------------------------------------------------

def test_a_decline_is_read_at_the_top_of_a_375_px_page(browser: Any, server: str) -> None:
    context = browser.new_context(base_url=server, viewport={"width": 375, "height": 740})
    try:
        page = context.new_page()
        to_payment(page)
        page.get_by_label("Your name").fill("Ana")
        page.get_by_label("Email").fill(unique("ana"))
        page.get_by_label("Card token").fill("tok_declined")
        page.get_by_role("button", name="Pay now").click()
        page.wait_for_load_state()
        summary = page.locator("#error-summary")
        assert "declined" in summary.inner_text()
        box = summary.bounding_box()
        scrolled = page.evaluate("window.scrollY")
        assert box["y"] - scrolled >= 0 and box["y"] + box["height"] - scrolled <= 740
        assert page.evaluate("document.activeElement.id") == "error-summary"
        assert summary.locator("a").get_attribute("href") == "#card_token"
        summary.locator("a").click()  # the link takes the reader to the field
        assert page.evaluate("location.hash") == "#card_token"
        assert "declined" in error_of(page, "card_token")  # next to the field too
    finally:
        context.close()


def test_pay_now_shows_it_is_at_work_and_cannot_be_pressed_twice(page: Any) -> None:
    to_payment(page)
    page.get_by_label("Your name").fill("Ana")
    page.get_by_label("Email").fill(unique("busy"))
    # What the button looks like while the payment is under way, kept across the navigation.
    page.evaluate("""() => document.addEventListener('submit', () => setTimeout(() => {
        const b = document.getElementById('pay-button');
        sessionStorage.setItem('busy', JSON.stringify([b.disabled, b.textContent,
                                                        b.getAttribute('aria-busy')]));
    }, 50))""")
    sent: list[str] = []

    def slow(route: Any) -> None:  # the payment takes a while: the page stays on screen
        if route.request.method == "POST":
            sent.append(route.request.url)
            time.sleep(1)
        route.continue_()

    page.route("**/checkout/*", slow)
    page.get_by_role("button", name="Pay now").click()
    page.wait_for_url("**/orders/*")
    assert "Thank you" in main_text(page)
    assert page.evaluate("sessionStorage.getItem('busy')") == '[true,"Paying…","true"]'
    assert len(sent) == 1


def test_without_javascript_a_decline_and_a_payment_still_work(browser: Any,
                                                                server: str) -> None:
    context = browser.new_context(base_url=server, java_script_enabled=False)
    try:
        page = context.new_page()
        to_payment(page)
        page.get_by_label("Your name").fill("Ana")
        page.get_by_label("Email").fill(unique("nojs"))
        page.get_by_label("Card token").fill("tok_declined")
        page.get_by_role("button", name="Pay now").click()
        assert "declined" in page.locator("#error-summary").inner_text()
        page.get_by_label("Card token").fill("tok_visa")
        page.get_by_role("button", name="Pay now").click()
        assert "Thank you" in main_text(page)
    finally:
        context.close()


# -- 3. the invoice mail's link after payment ------------------------------------------------

def test_the_invoice_mails_link_still_opens_the_order_once_paid(page: Any, api: Api) -> None:
    clerk = unique("ap")
    to_payment(page, "5")
    page.get_by_label("Pay by invoice").check()
    page.get_by_label("Your name").fill("Bo Chen")
    page.get_by_label("Email").fill(clerk)
    page.get_by_role("button", name="Place order").click()
    order_id = page.url.split("/orders/")[1].split("?")[0]
    [invoice_mail] = mails(api, clerk, "Invoice")
    old_link = LINK.search(invoice_mail["body"]).group(1)  # type: ignore[union-attr]
    api.call("POST", f"/v1/orders/{order_id}/mark-paid")
    receipt = mails(api, clerk, "License Information")[-1]
    new_link = LINK.search(receipt["body"]).group(1)  # type: ignore[union-attr]
    assert new_link != old_link
    page.goto(old_link)  # the accounts-payable clerk's link, after the payment
    assert "is paid" in main_text(page) and clerk in page.locator("#mailed-to").inner_text()
    assert page.locator("pre.key").count() == 0  # the key only at the newest link
    pdf = page.request.get(page.get_by_role("link", name="Invoice (PDF)").get_attribute("href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    page.goto(new_link)
    assert page.locator("pre.key").count() == 1
    api.call("POST", f"/v1/orders/{order_id}/refund")
    assert page.request.get(old_link).status == 404  # refunded: the older link is closed
    assert page.request.get(new_link).status == 200


# -- 4. a blank site name; mails name the site ------------------------------------------------

def test_a_blank_site_name_is_refused_and_mails_name_the_site(page: Any, api: Api) -> None:
    owner = api.account("Owner")
    refused = api.http.post("/v1/sites", json={"name": "   "},
                            headers={"Authorization": f"Bearer {owner['token']}"})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "SITE_NAME_REQUIRED"
    log_in(page, owner)
    page.get_by_label("Site name").fill("   ")
    page.get_by_role("button", name="New site").click()
    assert "Give the site a name" in error_of(page, "name")
    assert "Give the site a name" in page.locator("#error-summary").inner_text()
    assert "You are on no site yet" in main_text(page)
    name = f"Rocket {uuid.uuid4().hex[:6]}"
    page.get_by_label("Site name").fill(f"  {name} ")
    page.get_by_role("button", name="New site").click()
    site_id = page.url.rsplit("/", 1)[1]
    sub = api.call("POST", "/v1/subscriptions", owner["token"], json={
        "site_id": site_id, "plan": "small", "interval": "month", "card_token": "tok_visa"})
    api.call("POST", f"/v1/subscriptions/{sub['id']}/cancel", owner["token"])
    [canceled] = mails(api, owner["email"], "canceled")
    assert name in canceled["subject"]


# -- 6. the subscribe form's price ----------------------------------------------------------

def test_the_subscribe_form_prices_before_subscribing_and_says_the_trial_ends(
        page: Any, api: Api) -> None:
    owner = api.account("Owner")
    site = api.call("POST", "/v1/sites", owner["token"], json={"name": "Trial Co"})
    log_in(page, owner)
    page.goto(f"/sites/{site['id']}/billing")
    price = page.locator("#subscribe-price")
    assert "Subscribing ends your free trial today" in price.inner_text()
    assert price.locator('[data-field="due_today"]').inner_text() == "$12.00"
    assert "$24.00/month" in page.get_by_label("Plan", exact=True).inner_text()
    page.get_by_label("Plan", exact=True).select_option("starter")
    page.get_by_label("Billing interval").select_option(label="Yearly")
    page.get_by_role("button", name="Show price").click()
    assert price.locator('[data-field="due_today"]').inner_text() == "$240.00"
    assert price.locator('[data-field="period_end"]').inner_text() == "March 4, 2028"
    page.get_by_role("button", name="Subscribe").click()
    assert "Your subscription has started" in main_text(page)
    [invoice] = api.call("GET", f"/v1/subscriptions/{site['subscription']['id']}/invoices",
                         owner["token"])["data"]
    assert invoice["amount_paid"]["amount"] == 24000


# -- 9. post/redirect/get ------------------------------------------------------------------------

def test_lost_key_redirects_so_a_reload_sends_nothing_again(page: Any, api: Api) -> None:
    lic = api.license()
    page.goto("/lost-key")
    page.get_by_label("Email").fill(lic["email"])
    page.get_by_role("button", name="Send my License Information").click()
    assert page.url.endswith("/lost-key?sent=1")
    assert len(mails(api, lic["email"])) == 1
    page.reload()
    assert "If licenses were bought" in main_text(page)
    time.sleep(1)
    assert len(mails(api, lic["email"])) == 1


def test_license_remove_and_resend_redirect_without_the_key_in_the_address(
        page: Any, api: Api) -> None:
    lic = api.license(seats=2)
    info = {"license_name": "Acme Inc", "license_key": lic["license_key"]}
    for user in ("alice", "bob"):
        api.call("POST", "/v1/registrations", json={**info, "user": user})
    page.goto("/license")
    page.get_by_label("License Name").fill("Acme Inc")
    page.get_by_label("License Key").fill(lic["license_key"])
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Remove alice").click()
    assert page.url.endswith("/license?done=1")
    assert "alice was removed" in main_text(page)
    page.reload()  # a GET: nothing is sent again
    assert page.get_by_role("button", name="Remove bob").count() == 1
    page.get_by_role("button", name="Resend License Information").click()
    assert page.url.endswith("/license?done=1") and "on its way" in main_text(page)
    page.reload()
    time.sleep(0.5)
    assert len(mails(api, lic["email"])) == 1
    assert lic["license_key"][:12] not in page.url


def test_migrate_redirects_to_the_requests_page(page: Any, api: Api) -> None:
    lic = api.license(product="confluence-server", seats=25)
    page.goto("/migrate")
    page.get_by_label("License Name").fill(lic["license_name"])
    page.get_by_label("License Key").fill(lic["license_key"])
    page.get_by_label("Server user tier").fill("25")
    page.get_by_label("Marketplace account email").fill("a@acme.test")
    page.get_by_label("Holder first name").fill("Ana")
    page.get_by_label("Holder last name").fill("Diaz")
    for label, value in (("Organisation", "Acme"), ("Address", "1 Main St"),
                         ("City", "Springfield"), ("Postal code", "12345"),
                         ("Country", "US")):
        field = page.get_by_label(label, exact=True)
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.get_by_role("button", name=re.compile("Send|Request|Continue")).click()
    assert "/migrate/requests/" in page.url
    assert "Your request is received" in main_text(page)
    page.reload()  # a GET: no second request
    assert "Your request is received" in main_text(page)
    tampered = page.request.get(page.url.replace("sig=", "sig=0"))
    assert tampered.status == 404


# -- 5 and 8. a suspended site's export and deletion; 403 pages (advances the clock: last) ------

def test_a_suspended_sites_owner_exports_and_deletes_it(browser: Any, page: Any,
                                                       api: Api) -> None:
    owner, member = api.account("Owner"), api.account("Member")
    name = f"Export {uuid.uuid4().hex[:6]}"
    site = api.call("POST", "/v1/sites", owner["token"], json={"name": name})
    api.call("POST", f"/v1/sites/{site['id']}/members", owner["token"],
             json={"email": member["email"], "role": "staff"})
    api.call("POST", f"/v1/sites/{site['id']}/projects", owner["token"], json={"name": "P1"})
    log_in(page, member)  # a member may not export: the 403 page says so, in words
    refused = page.goto(f"/sites/{site['id']}/export")
    assert refused.status == 403 and "You may not do this" in main_text(page)
    assert page.get_by_role("link", name="Go to the home page").count() == 1
    page.context.clear_cookies()
    api.call("POST", "/v1/sandbox/clock/advance", json={"seconds": 31 * 86400})
    [ended] = mails(api, owner["email"], "Your subscription has ended")
    assert name in ended["subject"] and name in ended["body"]
    links = re.findall(r"https?://\S+(/sites/\S+)", ended["body"])
    assert links == [f"/sites/{site['id']}/{p}" for p in ("billing", "export", "delete")]
    log_in(page, owner)
    data = page.request.get(links[1])
    assert data.status == 200 and "attachment" in data.headers["content-disposition"]
    exported = data.json()
    assert exported["site"]["name"] == name and exported["projects"][0]["name"] == "P1"
    page.goto(links[2])
    page.get_by_label("Site name").fill("not it")
    page.get_by_role("button", name="Delete site").click()
    assert "Type the site's name" in error_of(page, "confirm_name")
    page.get_by_label("Site name").fill(name.lower())
    page.get_by_role("button", name="Delete site").click()
    assert page.url.split("?")[0].endswith("/sites")
    assert f"The site {name} is deleted" in main_text(page)
    gone = api.http.get(f"/v1/sites/{site['id']}",
                        headers={"Authorization": f"Bearer {owner['token']}"})
    assert gone.status_code == 404
