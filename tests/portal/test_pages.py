"""The portal's pages through the real app (no browser): headers, CSRF, formats, refusals next
to their field, documents, the order link, accounts and billing."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from licensor.core.context import Context
from licensor.core.money import Money
from licensor.core.web.plain_words import plain
from licensor.core.web.portal import human_date, money
from licensor.licenses.pasted import read_pasted
from tests.builders import create_license, license_info
from tests.portal.helpers import csrf, field_error, post

PUBLIC = ["/", "/pricing", "/pricing/desktop/upgrades", "/buy/desktop", "/upgrade", "/renew",
          "/updates", "/lost-key", "/migrate", "/license", "/signup", "/login"]


def test_every_public_page_answers_with_security_headers_and_no_inline_script(
        client: TestClient) -> None:
    for path in PUBLIC:
        page = client.get(path)
        assert page.status_code == 200, (path, page.text)
        assert page.headers["content-type"].startswith("text/html")
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["referrer-policy"] == "same-origin"
        assert not re.search(r"<script(?![^>]*\bsrc=)", page.text), path  # no inline script
        assert not re.search(r"\sstyle=|<style", page.text), path
        # Every asset from Licensor itself (links to the marketplace are not assets).
        assert not re.search(r'src="(https?:)?//|<link[^>]*href="(https?:)?//', page.text), path
        labels = set(re.findall(r'<label for="([^"]+)"', page.text))
        fields = set(re.findall(r'<(?:input|textarea|select) id="([^"]+)"', page.text))
        assert fields <= labels, (path, fields - labels)


def test_static_files_are_served_by_licensor(client: TestClient) -> None:
    assert client.get("/static/portal.css").status_code == 200
    assert "clipboard" in client.get("/static/portal.js").text


def test_the_csrf_cookie_is_httponly_and_lax(client: TestClient) -> None:
    cookie = client.get("/upgrade").headers["set-cookie"]
    assert "licensor_csrf=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http here; https adds it


def test_a_form_without_its_csrf_token_is_refused_with_a_coded_page(
        client: TestClient) -> None:
    csrf(client)  # the browser has its cookie
    for token in (None, "forged"):
        data = {"license_name": "x", "license_key": "y"}
        if token:
            data["csrf_token"] = token
        page = client.post("/upgrade", data=data)
        assert page.status_code == 403
        assert "CSRF_TOKEN_INVALID" in page.text and "reload the page" in page.text
    # A token from another browser (another cookie) is refused too.
    other = TestClient(client.app)
    token = csrf(other)
    client.cookies.clear()
    csrf(client)
    assert client.post("/upgrade", data={"csrf_token": token}).status_code == 403


def test_money_and_dates_read_as_people_write_them() -> None:
    assert money(Money(34000, "USD")) == "$340.00"
    assert money({"amount": 123456, "currency": "EUR"}) == "€1,234.56"
    assert money(Money(500, "JPY")) == "¥500"
    assert money(Money(120000, "CHF")) == "CHF\u00a01,200.00"
    assert human_date(datetime(2027, 3, 4, 12, tzinfo=UTC)) == "March 4, 2027"
    assert human_date("2027-03-04T00:00:00Z") == "March 4, 2027"


def test_pasted_license_information_is_read_from_a_messy_block() -> None:
    block = ("> Product:       Desktop\n> License Name:  Acme Inc\n> License Key:\n"
             ">   ABCDE-FGHIJ-\n>  KLMNO PQRST\n> Seats:         5\n")
    assert read_pasted("", block) == ("Acme Inc", "ABCDE-FGHIJ-KLMNOPQRST")
    assert read_pasted("License Name: Acme", "AB CD-\nEF") == ("Acme", "ABCD-EF")


def test_upgrade_refusal_is_the_services_message_next_to_total_users(
        ctx: Context, client: TestClient) -> None:
    info = license_info(create_license(ctx, seats=5))
    api = client.post("/v1/quotes", json={"kind": "upgrade", "seats": 3, **info}).json()
    page = post(client, "/upgrade", {"step": "seats", "seats": "3", **info})
    assert page.status_code == 409
    assert field_error(page.text, "seats") == plain(api["error"]["message"])  # says users


def test_bad_license_shows_next_to_the_key(client: TestClient) -> None:
    page = post(client, "/upgrade", {"license_name": "Acme", "license_key": "NOPE"})
    assert page.status_code == 422
    assert "do not match" in (field_error(page.text, "license_key") or "")


def test_invoice_is_offered_only_from_the_minimum(ctx: Context, client: TestClient) -> None:
    small = client.post("/v1/quotes", json={"kind": "new", "product": "desktop",
                                            "seats": 1}).json()
    page = client.get(f"/checkout/{small['id']}")
    assert "Pay by invoice" not in page.text and "Invoices are for orders of $300.00" in page.text
    forced = post(client, f"/checkout/{small['id']}", {
        "name": "Ana", "email": "ana@acme.test", "payment_method": "invoice"},
        token_from="/upgrade")
    assert forced.status_code == 409
    assert "pay this one by card" in (field_error(forced.text, "payment_method") or "")


def test_invoice_order_page_pdf_and_gapless_numbers(ctx: Context, client: TestClient) -> None:
    numbers = []
    for _ in range(2):
        quote = client.post("/v1/quotes", json={"kind": "new", "product": "desktop",
                                                "seats": 5}).json()
        done = post(client, f"/checkout/{quote['id']}", {
            "name": "Ana Diaz", "email": "ana@acme.test", "company": "Acme Inc",
            "po_number": "PO-77", "address": "1 Main St, Springfield",
            "payment_method": "invoice"}, token_from="/upgrade", follow_redirects=False)
        assert done.status_code == 303, done.text
        page = client.get(done.headers["location"])
        number = re.search(r"Order (LIC-\d{6})", page.text).group(1)  # type: ignore[union-attr]
        numbers.append(number)
        assert "awaits payment, due" in page.text and "Net 30" in page.text
        pdf_link = re.search(r'href="(/orders/[^"]+/invoice\.pdf\?token=[^"]+)"', page.text)
        pdf = client.get(pdf_link.group(1))  # type: ignore[union-attr]
        assert pdf.headers["content-type"] == "application/pdf"
        for text in (number, "Net 30", "Acme Inc", "PO-77", "Licensor Demo Vendor",
                     "1 Main St, Springfield", "$429.00"):
            assert text.encode() in pdf.content, text
    assert [int(n[4:]) for n in numbers] == [1, 2]  # one after the other, no gap


def test_the_order_page_needs_its_secret_token(client: TestClient) -> None:
    quote = client.post("/v1/quotes", json={"kind": "new", "product": "desktop",
                                            "seats": 1}).json()
    done = post(client, f"/checkout/{quote['id']}", {
        "name": "Ana", "email": "ana@acme.test", "payment_method": "card",
        "card_token": "tok_visa"}, token_from="/upgrade", follow_redirects=False)
    link = done.headers["location"]
    assert client.get(link).status_code == 200
    order_id = link.split("/orders/")[1].split("?")[0]
    for wrong in (f"/orders/{order_id}", f"/orders/{order_id}?token=guess",
                  f"/orders/{order_id}/invoice.pdf?token=guess"):
        assert client.get(wrong).status_code == 404
    outbox = client.get("/v1/sandbox/outbox?to=ana@acme.test",
                        headers={"Authorization": "Bearer test-admin-token"}).json()["data"]
    assert any(link in m["body"] for m in outbox)  # the mail carries the working link


def test_quote_page_and_pdf_show_the_same_lines(client: TestClient) -> None:
    quote = client.post("/v1/quotes", json={"kind": "new", "product": "desktop",
                                            "seats": 5}).json()
    page = client.get(f"/quotes/{quote['id']}")
    pdf = client.get(f"/quotes/{quote['id']}.pdf")
    assert page.status_code == 200 and pdf.content.startswith(b"%PDF")
    for line in quote["lines"]:
        assert line["description"] in page.text and line["description"].encode() in pdf.content
    assert "$429.00" in page.text and b"$429.00" in pdf.content
    assert client.get("/quotes/quo_missing").status_code == 404


def test_lost_key_reads_the_same_for_known_and_unknown_addresses(
        ctx: Context, client: TestClient) -> None:
    create_license(ctx, email="known@acme.test")
    known = post(client, "/lost-key", {"email": "known@acme.test"})
    unknown = post(client, "/lost-key", {"email": "nobody@acme.test"})
    body = [re.sub(r'value="[^"]+"', "", p.text) for p in (known, unknown)]
    assert known.status_code == unknown.status_code == 200 and body[0] == body[1]


def test_holder_removes_a_registered_user_and_resends(ctx: Context,
                                                      client: TestClient) -> None:
    row = create_license(ctx, seats=1, email="it@acme.test")
    info = license_info(row)
    assert client.post("/v1/registrations", json={**info, "user": "alice"}).status_code == 201
    page = post(client, "/license", info, token_from="/license")
    assert "alice" in page.text and "Remove" in page.text
    removed = post(client, "/license/remove", {**info, "user": "alice"}, token_from="/license")
    assert "alice was removed" in removed.text
    assert client.post("/v1/registrations", json={**info, "user": "bob"}).status_code == 201
    sent = post(client, "/license/resend", info, token_from="/license")
    assert "on its way to i•••@acme.test" in sent.text
    for _ in range(3):
        again = post(client, "/license/resend", info, token_from="/license")
    assert again.status_code == 429 and "RESEND" not in again.text
    assert "already sent 3 times" in (field_error(again.text, "resend") or "")


def test_sign_up_log_in_and_billing_read_only_for_a_member(client: TestClient) -> None:
    owner = client.post("/v1/accounts", json={"email": "own@acme.test", "name": "Own",
                                              "password": "pw"}).json()
    site = client.post("/v1/sites", json={"name": "Acme"},
                       headers={"Authorization": f"Bearer {owner['token']}"}).json()
    signed = post(client, "/signup", {"name": "Mem", "email": "mem@acme.test",
                                      "password": "pw"}, follow_redirects=False)
    assert signed.status_code == 303
    assert "HttpOnly" in signed.headers["set-cookie"]
    assert "Log out" in client.get("/").text  # every page knows who is signed in
    client.post(f"/v1/sites/{site['id']}/members", json={"email": "mem@acme.test",
                                                          "role": "member"},
                headers={"Authorization": f"Bearer {owner['token']}"})
    billing = client.get(f"/sites/{site['id']}/billing")
    assert billing.status_code == 200
    assert "Only the site&#39;s owner or its billing admin" in billing.text
    assert "Preview" not in billing.text and "Cancel subscription" not in billing.text
    refused = post(client, f"/sites/{site['id']}/billing", {"action": "cancel"},
                   token_from="/sites")
    assert refused.status_code == 403 and "billing admin" in refused.text
    post(client, "/logout", {}, token_from="/sites")
    assert "Log out" not in client.get("/").text
    assert client.get("/sites", follow_redirects=False).headers["location"].startswith(
        "/login")
    wrong = post(client, "/login", {"email": "mem@acme.test", "password": "nope"})
    assert wrong.status_code == 401 and field_error(wrong.text, "password")


def test_an_invoice_of_another_site_is_not_found(client: TestClient) -> None:
    owner = post(client, "/signup", {"name": "Own", "email": "own2@acme.test",
                                     "password": "pw"}, follow_redirects=False)
    assert owner.status_code == 303
    made = post(client, "/sites", {"name": "Acme"}, token_from="/sites",
                follow_redirects=False)
    site = made.headers["location"]
    missing = client.get(f"{site}/invoices/inv_nope.pdf")
    assert missing.status_code == 404 and "INVOICE_NOT_FOUND" in missing.text
    assert client.get("/sites/not-mine/billing").status_code == 404


def test_renew_updates_and_migrate_use_the_services(ctx: Context, client: TestClient) -> None:
    desktop = license_info(create_license(ctx, seats=3))  # no maintenance to renew
    refused = post(client, "/renew", desktop)
    api_refusal = client.post("/v1/quotes", json={"kind": "renewal", **desktop}).json()
    assert field_error(refused.text, "license_key") == api_refusal["error"]["message"]
    info = license_info(create_license(ctx, product="confluence-server", seats=10))
    renewed = post(client, "/renew", info, follow_redirects=False)
    assert renewed.status_code == 303 and renewed.headers["location"].startswith("/checkout/")
    checkout = client.get(renewed.headers["location"])
    api = client.post("/v1/quotes", json={"kind": "renewal", **info}).json()
    assert money(api["total"]) in checkout.text and api["lines"][0]["description"] in \
        checkout.text.replace("&#39;", "'")
    update = post(client, "/updates", {**info, "version": "4.1.0"})
    checked = client.post("/v1/updates/check", json={**info, "version": "4.1.0"}).json()
    assert checked["allowed"] is True and "4.1.0 is covered by this license" in update.text
    bad = post(client, "/updates", {**info, "version": "four"})
    api_bad = client.post("/v1/updates/check", json={**info, "version": "four"}).json()
    assert field_error(bad.text, "version") == api_bad["error"]["message"]
    moved = post(client, "/migrate", {**info, "hosting": "cloud", "marketplace_email": "a@b.c",
                                      "holder_first_name": "A", "holder_last_name": "B",
                                      "organisation": "Acme", "address_line1": "1 Main",
                                      "address_city": "X", "address_postal_code": "1",
                                      "address_country": "US"})
    assert moved.status_code == 409 and "Only self-hosted" in (
        field_error(moved.text, "hosting") or "")


def test_the_upgrade_mail_says_what_happened_in_words(ctx: Context, client: TestClient) -> None:
    info = license_info(create_license(ctx, seats=1, email="it@acme.test"))
    quote = client.post("/v1/quotes", json={"kind": "upgrade", "seats": 5, **info}).json()
    done = post(client, f"/checkout/{quote['id']}", {
        "name": "Ana Diaz", "email": "ana@acme.test", "payment_method": "card",
        "card_token": "tok_visa"}, token_from="/upgrade", follow_redirects=False)
    assert done.status_code == 303
    [sent] = client.get("/v1/sandbox/outbox?to=ana@acme.test",
                        headers={"Authorization": "Bearer test-admin-token"}).json()["data"]
    # The text part is wrapped at 72 columns: compare its words.
    words = " ".join(sent["body"].split())
    assert words.startswith("Hello Ana Diaz, Thank you for your order LIC-000001. "
                            "Your license now covers 5 users, up from 1 user; we "
                            "charged $340.00 to your card.")
    assert "Users already registered need do nothing" in words
    assert "Licensor Demo Vendor" in sent["body"]
    assert sent["subject"] == "Your upgraded License Information (LIC-000001)"


def test_a_declined_card_is_shown_next_to_the_card_and_paying_again_works(
        client: TestClient) -> None:
    quote = client.post("/v1/quotes", json={"kind": "new", "product": "desktop",
                                            "seats": 1}).json()
    buyer = {"name": "Ana", "email": "ana@acme.test", "payment_method": "card"}
    declined = post(client, f"/checkout/{quote['id']}", {**buyer, "card_token": "tok_declined"},
                    token_from="/upgrade")
    assert declined.status_code == 402
    assert "declined" in (field_error(declined.text, "card_token") or "").lower()
    kept = re.search(r'name="order_id" value="([^"]+)"', declined.text)
    assert kept, "the order is kept for the next try"
    again = post(client, f"/checkout/{quote['id']}", {**buyer, "card_token": "tok_visa",
                                                      "order_id": kept.group(1)},
                 token_from="/upgrade", follow_redirects=False)
    assert again.status_code == 303
    assert "Thank you" in client.get(again.headers["location"]).text
