"""The look through the real app (no browser): every page has the skip link first and the one
style sheet served by Licensor, and no page, refusal or mail a customer reads says "seats"
(the catalog's "users" instead)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from licensor.core.mail_templates import render_mail
from licensor.core.web.plain_words import plain
from tests.portal.helpers import post

PUBLIC = ["/", "/pricing", "/pricing/desktop/upgrades", "/buy/desktop", "/upgrade", "/renew",
          "/updates", "/lost-key", "/migrate", "/license", "/signup", "/login", "/downloads",
          "/password-reset", "/admin/login", "/no-such-page"]


def visible(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_every_page_opens_with_the_skip_link_and_one_style_sheet(client: TestClient) -> None:
    for path in PUBLIC:
        html = client.get(path, headers={"Accept": "text/html"}).text
        body = html[html.index("<body"):]
        first = re.search(r"<(a|button|input|select|textarea)\b[^>]*>", body)
        assert first and 'class="skip-link" href="#main"' in first.group(0), path
        assert 'id="main"' in body, path
        sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
        assert sheets[0] == "/style.css" and all(s.startswith("/") for s in sheets), path
    sheet = client.get("/style.css").text
    assert "--focus:" in sheet and ":focus-visible" in sheet and "@import" not in sheet
    assert "http" not in sheet  # no font or framework from elsewhere


def test_no_page_a_customer_reads_says_seats(client: TestClient) -> None:
    for path in PUBLIC:
        text = visible(client.get(path).text).lower()
        assert "seat" not in text, (path, text[text.find("seat") - 80:text.find("seat") + 40])
    quote = client.post("/v1/quotes", json={"kind": "new", "product": "desktop",
                                            "seats": 2}).json()
    for path in (f"/checkout/{quote['id']}", f"/quotes/{quote['id']}"):
        assert "seat" not in visible(client.get(path).text).lower(), path


def test_a_refusal_on_a_page_says_users() -> None:
    assert plain("Seats must be a whole number from 1 to 10000.") == \
        "Users must be a whole number from 1 to 10000."
    assert plain("The license has 5 seats and 1 seat free") == \
        "The license has 5 users and 1 user free"


def test_the_license_information_mail_counts_users_as_the_catalog_does(
        client: TestClient) -> None:
    quote = client.post("/v1/quotes", json={"kind": "new", "product": "desktop",
                                            "seats": 3}).json()
    done = post(client, f"/checkout/{quote['id']}", {
        "name": "Ana", "email": "ana@acme.test", "payment_method": "card",
        "card_token": "tok_visa"}, token_from="/upgrade", follow_redirects=False)
    assert done.status_code == 303
    [mail] = client.get("/v1/sandbox/outbox?to=ana@acme.test", headers={
        "Authorization": "Bearer test-admin-token"}).json()["data"]
    assert "Users:         3" in mail["body"] and "seat" not in mail["body"].lower()
    assert "seat" not in visible(client.get(done.headers["location"]).text).lower()
    _, text, html = render_mail("notice", subject="x", paragraphs=["Hello"])
    assert "seat" not in (text + html).lower()
