"""Quotes, invoices, receipts and credit notes from one template, under the vendor's brand: the
buyer with the address as written, numbers instead of ids, status words a buyer understands;
the mails about an order carry its invoice or receipt as a PDF and come from the brand."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from licensor.app import seed
from licensor.core.context import Context, build_context
from licensor.core.db import Database
from licensor.core.mail import Outgoing
from licensor.core.models import MailRow
from tests.conftest import empty_database, make_settings
from tests.portal.helpers import post

BRAND = "Acme Tools"
ACCENT = "#7a1fa2"
ADDRESS = "1 Main Street\nSuite 400\nSpringfield 12345"


@pytest.fixture
def ctx(database: Database, tmp_path: Path) -> Iterator[Context]:
    """The conftest context, under a brand of its own with a logo."""
    empty_database(database)
    logo = tmp_path / "logo.png"
    Image.new("RGB", (64, 32), (122, 31, 162)).save(logo)
    context = build_context(make_settings(
        tmp_path / "home", database.url, brand_name=BRAND, brand_color=ACCENT, brand_logo=logo,
        vendor_contact="sales@acme-tools.test"), db=database)
    seed(context)
    yield context
    context.mailer.close()


def pdf_lines(pdf: bytes) -> list[tuple[float, str]]:
    """The text of an uncompressed fpdf2 PDF as (height on the page, text) pairs."""
    lines = []
    for y, body in re.findall(rb"BT [\d.]+ ([\d.]+) Td(.*?)ET", pdf, re.DOTALL):
        pieces = re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", body)
        text = b"".join(pieces).decode("latin-1")
        lines.append((float(y), re.sub(r"\\(.)", r"\1", text)))
    return lines


def checkout(client: TestClient, method: str, **extra: str) -> tuple[str, str]:
    """(the order page's link, the quote's id) of an order of 5 users."""
    quote = client.post("/v1/quotes", json={"kind": "new", "product": "desktop",
                                            "seats": 5}).json()
    card = {"card_token": "tok_visa"} if method == "card" else {}
    done = post(client, f"/checkout/{quote['id']}", {
        "name": "Ana Diaz", "email": "ana@acme.test", "company": "Acme Inc",
        "address": ADDRESS, "payment_method": method, **card, **extra},
        token_from="/upgrade", follow_redirects=False)
    assert done.status_code == 303, done.text
    return str(done.headers["location"]), str(quote["id"])


def mails_to(ctx: Context, to: str) -> list[EmailMessage]:
    """The messages as the mailer sends them (headers, parts, attachments)."""
    with ctx.db.reader() as session:
        rows = session.scalars(select(MailRow).where(MailRow.to == to)
                               .order_by(MailRow.created_at)).all()
        out = [Outgoing(r.id, r.to, r.subject, r.body, r.created_at, r.html,
                        r.attachment_name, r.attachment) for r in rows]
    return [message_from_bytes(bytes(ctx.mailer.message(m)), policy=default)  # type: ignore[misc]
            for m in out]


def pdf_of(message: EmailMessage) -> tuple[str, bytes]:
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(parts) == 1, message["Subject"]
    return str(parts[0].get_filename()), bytes(parts[0].get_content())


def test_the_invoice_keeps_the_buyers_address_lines_and_says_awaiting_payment(
        client: TestClient) -> None:
    link, _ = checkout(client, "invoice")
    page = client.get(link).text
    assert "1 Main Street<br>Suite 400<br>Springfield 12345" in page
    pdf = client.get(re.search(r'href="(/orders/[^"]+/invoice\.pdf[^"]+)"', page)
                     .group(1).replace("&amp;", "&")).content  # type: ignore[union-attr]
    lines = pdf_lines(pdf)
    heights = {text: y for y, text in lines}
    for line in ("Ana Diaz", "1 Main Street", "Suite 400", "Springfield 12345", BRAND):
        assert line in heights, (line, lines)
    # One line each, one below the other: the address is not collapsed into one line.
    assert heights["1 Main Street"] > heights["Suite 400"] > heights["Springfield 12345"]
    assert "Awaiting payment" in heights and not any("awaiting_payment" in t for _, t in lines)
    assert not any(t.startswith("Status") for _, t in lines)


def test_a_quote_is_titled_by_its_number_and_names_its_buyer(client: TestClient) -> None:
    _, quote_id = checkout(client, "invoice")
    page = client.get(f"/quotes/{quote_id}").text
    title = re.search(r"<title>(.*?)</title>", page).group(1)  # type: ignore[union-attr]
    assert re.match(r"Quote Q-\d{8}-[0-9A-F]{8} ", title) and "quo_" not in title
    assert "Prepared for" in page and "Ana Diaz" in page and "Suite 400" in page
    pdf = client.get(f"/quotes/{quote_id}.pdf")
    texts = [t for _, t in pdf_lines(pdf.content)]
    assert "Ana Diaz" in texts and "Suite 400" in texts
    assert any(re.fullmatch(r"Quote Q-\d{8}-[0-9A-F]{8}", t) for t in texts), texts
    assert "quote-Q-" in pdf.headers["content-disposition"]


def test_the_paid_order_mail_carries_the_receipt_and_comes_from_the_brand(
        ctx: Context, client: TestClient) -> None:
    link, _ = checkout(client, "card")
    [fulfilled] = mails_to(ctx, "ana@acme.test")
    assert fulfilled["From"] == f"{BRAND} <sales@acme-tools.test>"
    name, pdf = pdf_of(fulfilled)
    assert re.fullmatch(r"receipt-LIC-\d{6}\.pdf", name)
    texts = [t for _, t in pdf_lines(pdf)]
    assert "Paid" in texts and "Ana Diaz" in texts and "Suite 400" in texts
    assert any(t.startswith("Receipt LIC-") for t in texts)
    html = fulfilled.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert BRAND in html and ACCENT in html
    # The order page offers the same receipt.
    page = client.get(link).text
    assert "Receipt (PDF)" in page


def test_the_invoice_mail_carries_the_invoice(ctx: Context, client: TestClient) -> None:
    link, _ = checkout(client, "invoice")
    [invoice] = mails_to(ctx, "ana@acme.test")
    name, pdf = pdf_of(invoice)
    assert re.fullmatch(r"invoice-LIC-\d{6}\.pdf", name) and pdf.startswith(b"%PDF")
    assert "Awaiting payment" in [t for _, t in pdf_lines(pdf)]
    assert "attached as a PDF" in invoice.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    # Not paid yet: no receipt (said on a page), and the order page offers none.
    unpaid = client.get(link.replace("?token", "/receipt.pdf?token"),
                        headers={"Accept": "text/html"})
    assert unpaid.status_code == 404 and "RECEIPT_NOT_FOUND" in unpaid.text
    assert "Receipt (PDF)" not in client.get(link).text


def test_pages_carry_the_brand_its_logo_and_colour(client: TestClient) -> None:
    home = client.get("/").text
    assert f'<a class="brand" href="/"><img src="/brand/logo" alt="" class="brand-logo"> {BRAND}' \
        in home
    logo = client.get("/brand/logo")
    assert logo.status_code == 200 and logo.headers["content-type"] == "image/png"
    sheet = client.get("/style.css")
    assert sheet.headers["content-type"].startswith("text/css")
    assert f"--accent: {ACCENT};" in sheet.text and ".skip-link" in sheet.text


def test_the_brand_settings_default_to_the_vendor(tmp_path: Path) -> None:
    from licensor.config import Settings

    plain = Settings(home=tmp_path, vendor_name="Globex", vendor_contact="hi@globex.test")
    assert plain.brand == "Globex" and plain.sender == "Globex <hi@globex.test>"
    assert Settings(home=tmp_path, mail_from="Billing <b@x.test>").sender == "Billing <b@x.test>"
    with pytest.raises(ValueError, match="#rrggbb"):
        Settings(home=tmp_path, brand_color="purple")
