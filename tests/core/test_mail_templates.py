"""Every mail kind renders from templates/mail: a text part wrapped for any mail client, an HTML
part with inline styles only, and a subject of its own."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from licensor.core.mail_templates import configure, render_mail

KEY = "AAAAB3NzaC1yc2EAAAADAQABAAABAQC7" * 4  # longer than any line: stays whole
LICENSE = ("Product:       Mockups for Desktop\nLicense Name:  Acme Inc.\nLicense Key:\n"
           f"{KEY}\nSeats:         5")
ORDER = {"order_number": "LIC-000007", "total": "$340.00", "payment_method": "card",
         "paid_at": datetime(2027, 3, 4, tzinfo=UTC), "link": "https://shop.example/orders/o",
         "greeting_name": "Ana Diaz", "license_information": LICENSE}
WHAT = "Your license now covers 5 users, up from 1 user; we charged $340.00 to your card."

KINDS: list[tuple[str, dict[str, Any], str, str]] = [
    ("order_fulfilled", {**ORDER, "kind": "new", "what": "Your new license covers 5 users."},
     "Your License Information (LIC-000007)", "Your new license covers 5 users"),
    ("order_fulfilled", {**ORDER, "kind": "upgrade", "what": WHAT},
     "Your upgraded License Information (LIC-000007)", "up from 1 user; we charged $340.00"),
    ("order_fulfilled", {**ORDER, "kind": "renewal",
                         "what": "Your maintenance now runs until March 4, 2028."},
     "Your renewed License Information (LIC-000007)", "runs until March 4, 2028"),
    ("lost_key", {"count": 1, "license_information": LICENSE}, "Your License Information",
     "You asked for the License Information"),
    ("resend", {"license_information": LICENSE}, "Your License Information (sent again)",
     "sent again"),
    ("invoice", {"order_number": "LIC-000008", "greeting_name": "Bo",
                 "lines": [{"description": "Mockups for Desktop, 25 users", "amount": "$900.00"}],
                 "total": "$900.00", "due": "April 3, 2027", "terms_days": 30,
                 "link": "https://shop.example/orders/p"},
     "Invoice LIC-000008", "Due: April 3, 2027 (Net 30)"),
    ("notice", {"subject": "Your subscription is canceled", "paragraphs": ["It ends soon."]},
     "Your subscription is canceled", "It ends soon."),
]


@pytest.fixture(autouse=True)
def vendor() -> None:
    configure("Acme Software", "sales@acme-software.test", "https://shop.example")


@pytest.mark.parametrize(("template", "context", "subject", "words"), KINDS,
                         ids=[f"{k[0]}-{k[1].get('kind', '')}" for k in KINDS])
def test_each_mail_renders_both_parts_with_its_subject(template: str, context: dict[str, Any],
                                                      subject: str, words: str) -> None:
    got_subject, text, html = render_mail(template, **context)
    assert got_subject == subject
    for part in (text, html):
        assert words in " ".join(part.split())
        assert "Acme Software" in part and "sales@acme-software.test" in part
        assert "Hello " in part
    # The text part survives any mail client: no line over 78 characters but the key's.
    assert all(len(line) <= 78 for line in text.splitlines() if line != KEY)
    # Inline styles only, nothing fetched from elsewhere.
    assert "<style" not in html and "<link" not in html and "<img" not in html
    assert html.startswith("<!DOCTYPE html>") and f"<title>{subject}</title>" in html
    if "license_information" in context:
        assert KEY in text.splitlines()  # the key on a line of its own
        assert "<pre" in html and KEY in html


def test_a_notice_keeps_laid_out_lines_in_a_preformatted_block() -> None:
    _s, text, html = render_mail("notice", subject="Your license is now on the marketplace",
                                 paragraphs=["It moved.", LICENSE])
    assert KEY in text.splitlines() and "License Name:  Acme Inc." in text.splitlines()
    assert "<pre" in html and "License Name:  Acme Inc.\nLicense Key:" in html


def test_the_subjects_are_distinct() -> None:
    subjects = [render_mail(t, **c)[0] for t, c, _s, _w in KINDS]
    assert len(set(subjects)) == len(subjects)


def test_an_upgrade_mail_says_registered_users_need_do_nothing() -> None:
    _s, text, html = render_mail("order_fulfilled", **{**ORDER, "kind": "upgrade", "what": WHAT})
    assert "Users already registered need do nothing" in " ".join(text.split())
    assert "Users already registered need do nothing" in html
    _s, text, _h = render_mail("order_fulfilled", **{**ORDER, "kind": "new", "what": WHAT})
    assert "need do nothing" not in text


def test_the_html_part_escapes_what_customers_wrote() -> None:
    evil = LICENSE.replace("Acme Inc.", "<script>alert(1)</script>")
    _s, text, html = render_mail("order_fulfilled", **{**ORDER, "kind": "new", "what": WHAT,
                                                       "greeting_name": "<b>Ana</b>",
                                                       "license_information": evil})
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Ana</b>" not in html and "&lt;b&gt;Ana&lt;/b&gt;" in html
    assert "<script>alert(1)</script>" in text  # the text part is text: shown as written
