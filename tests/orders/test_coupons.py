"""Coupons on perpetual-license quotes and orders, through the HTTP API: the discount line and
its golden numbers, every refusal, and when a redemption counts (paid) and goes back (refund)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from licensor.core.context import Context
from licensor.core.money import Money
from licensor.discounts import service as discounts
from licensor.discounts.service import CouponTerms
from tests.builders import create_license, license_info, outbox, set_clock, usd_json
from tests.orders.helpers import BUYER, buy, error, order, pay, quote

SPRING = "SPRING20"


def make_coupon(ctx: Context, code: str = SPRING, **terms: Any) -> str:
    """A coupon made by the vendor (20% off unless told otherwise); its id."""
    if "amount_off" not in terms:
        terms.setdefault("percent_off", Decimal(20))
    with ctx.db.writer() as session:
        row = discounts.create_coupon(session, CouponTerms(code=code, **terms),
                                      now=ctx.clock.now(session), actor="test")
        session.commit()
        return row.id


def redeemed(ctx: Context, code: str = SPRING) -> int:
    with ctx.db.reader() as session:
        return discounts.get_coupon(session, code).times_redeemed


def disable(ctx: Context, code: str) -> None:
    with ctx.db.writer() as session:
        discounts.set_active(session, code, False, now=ctx.clock.now(session), actor="test")
        session.commit()


def post_quote(client: TestClient, **body: Any) -> Any:
    return client.post("/v1/quotes", json=body)


def post_order(client: TestClient, quote_id: str, email: str = BUYER["email"],
               method: str = "card") -> Any:
    return client.post("/v1/orders", json={"quote_id": quote_id, "payment_method": method,
                                           "buyer": {**BUYER, "email": email}})


def ledger(client: TestClient, admin: dict[str, str]) -> list[dict[str, Any]]:
    return client.get("/v1/sandbox/charges", params={"limit": 1000},
                      headers=admin).json()["data"]


def in_pdf(text: str, pdf: bytes) -> bool:
    """The PDF's text strings escape parentheses."""
    return text.replace("(", "\\(").replace(")", "\\)").encode() in pdf


# -- pricing ----------------------------------------------------------------------------------

def test_twenty_percent_off_five_desktop_users(ctx: Context, client: TestClient,
                                               admin: dict[str, str]) -> None:
    make_coupon(ctx)
    q = quote(client, kind="new", product="desktop", seats=5, coupon=SPRING)
    assert [line["amount"] for line in q["lines"]] == [usd_json(42900), usd_json(-8580)]
    assert q["lines"][1]["description"] == "Coupon SPRING20 (20% off)"
    assert q["total"] == usd_json(34320)
    assert q["coupon"] == {"code": SPRING, "discount": usd_json(8580)}
    assert client.get(f"/v1/quotes/{q['id']}").json()["coupon"] == q["coupon"]
    o = order(client, q["id"])
    assert o["total"] == usd_json(34320)
    assert redeemed(ctx) == 0  # ordered, not paid
    done = pay(client, o["id"])
    assert done["status"] == "fulfilled" and done["licenses"][0]["seats"] == 5
    assert redeemed(ctx) == 1
    [charge] = [c for c in ledger(client, admin) if c["metadata"]["order_id"] == o["id"]]
    assert charge["amount"] == usd_json(34320) and charge["status"] == "succeeded"


def test_ten_dollars_off_one_desktop_user(ctx: Context, client: TestClient) -> None:
    make_coupon(ctx, "TENOFF", amount_off=Money(1000, "USD"))
    q = quote(client, kind="new", product="desktop", seats=1, coupon="TENOFF")
    assert q["total"] == usd_json(7900)
    assert [line["amount"] for line in q["lines"]] == [usd_json(8900), usd_json(-1000)]
    assert "TENOFF" in q["lines"][1]["description"]
    assert buy(client, kind="new", product="desktop", seats=1, coupon="TENOFF")["total"] == \
        usd_json(7900)


def test_a_discount_larger_than_the_price_makes_it_free_not_negative(
        ctx: Context, client: TestClient) -> None:
    make_coupon(ctx, "BIG", amount_off=Money(100000, "USD"))
    q = quote(client, kind="new", product="desktop", seats=1, coupon="BIG")
    assert q["total"] == usd_json(0) and q["lines"][1]["amount"] == usd_json(-8900)
    done = pay(client, order(client, q["id"])["id"])  # nothing to charge
    assert done["status"] == "fulfilled" and done["charge_id"] is None
    assert redeemed(ctx, "BIG") == 1


def test_codes_are_case_insensitive_and_a_blank_one_is_no_coupon(ctx: Context,
                                                                 client: TestClient) -> None:
    make_coupon(ctx, "Spring20")
    for code in ("spring20", "SPRING20", " Spring20 "):
        q = quote(client, kind="new", product="desktop", seats=5, coupon=code)
        assert q["total"] == usd_json(34320) and q["coupon"]["code"] == "Spring20"
    for blank in ("", "  ", None):
        q = quote(client, kind="new", product="desktop", seats=5, coupon=blank)
        assert q["total"] == usd_json(42900) and len(q["lines"]) == 1 and q["coupon"] is None
    too_long = post_quote(client, kind="new", product="desktop", seats=1, coupon="X" * 41)
    assert error(too_long, 422, "INVALID_REQUEST")["details"]["field"] == "coupon"
    not_text = post_quote(client, kind="new", product="desktop", seats=1, coupon=20)
    assert error(not_text, 422, "INVALID_REQUEST")["details"]["field"] == "coupon"


def test_coupons_on_upgrade_and_renewal_quotes(ctx: Context, client: TestClient,
                                               admin: dict[str, str]) -> None:
    make_coupon(ctx, "UPG", kinds=["upgrade"])
    make_coupon(ctx, "RENEW", percent_off=Decimal("12.5"), kinds=["renewal"])
    old = create_license(ctx, seats=1)
    body = error(post_quote(client, kind="new", product="desktop", seats=5, coupon="UPG"),
                 409, "COUPON_NOT_APPLICABLE")
    assert body["details"]["reason"] == "kind"
    done = buy(client, kind="upgrade", seats=5, coupon="UPG", **license_info(old))
    assert done["total"] == usd_json(27200)  # 340.00 - 20%
    assert done["licenses"][0]["seats"] == 5 and redeemed(ctx, "UPG") == 1
    set_clock(client, admin, "2026-01-10T12:00:00Z")
    server = create_license(ctx, product="confluence-server", seats=25)
    set_clock(client, admin, "2026-11-01T00:00:00Z")
    q = quote(client, kind="renewal", coupon="renew", **license_info(server))
    assert [line["amount"] for line in q["lines"]] == [usd_json(30000), usd_json(-3750)]
    assert q["lines"][1]["description"] == "Coupon RENEW (12.5% off)"
    renewed = pay(client, order(client, q["id"])["id"])
    assert renewed["total"] == usd_json(26250)
    assert renewed["licenses"][0]["maintenance_until"] == "2028-01-10T12:00:00Z"
    assert redeemed(ctx, "RENEW") == 1


# -- refusals ---------------------------------------------------------------------------------

def test_unknown_and_not_applicable_coupons(ctx: Context, client: TestClient) -> None:
    body = error(post_quote(client, kind="new", product="desktop", seats=1, coupon="NOPE"),
                 404, "UNKNOWN_COUPON")
    assert body["details"]["code"] == "NOPE"
    make_coupon(ctx, "PLUGINS", products=["confluence-server"])
    make_coupon(ctx, "NEWONLY", kinds=["renewal"])
    make_coupon(ctx, "BIGONLY", minimum_amount=Money(50000, "USD"))
    make_coupon(ctx, "EURO", amount_off=Money(1000, "EUR"))
    for code, reason in (("PLUGINS", "product"), ("NEWONLY", "kind"),
                         ("BIGONLY", "minimum_amount"), ("EURO", "currency")):
        body = error(post_quote(client, kind="new", product="desktop", seats=5, coupon=code),
                     409, "COUPON_NOT_APPLICABLE")
        assert body["details"]["reason"] == reason and body["details"]["code"] == code
    # the minimum is of the price before the discount: 10 users (800.00) qualify
    assert quote(client, kind="new", product="desktop", seats=10, coupon="BIGONLY")["total"][
        "amount"] > 0


def test_expired_and_disabled_coupons(ctx: Context, client: TestClient,
                                      admin: dict[str, str]) -> None:
    set_clock(client, admin, "2026-03-01T00:00:00Z")
    make_coupon(ctx, "MARCH", redeem_by=datetime.fromisoformat("2026-04-01T00:00:00+00:00"))
    make_coupon(ctx, "GONE")
    assert quote(client, kind="new", product="desktop", seats=1, coupon="MARCH")["total"] == \
        usd_json(7120)
    disable(ctx, "GONE")
    error(post_quote(client, kind="new", product="desktop", seats=1, coupon="GONE"),
          409, "COUPON_EXPIRED")
    set_clock(client, admin, "2026-04-01T00:00:00Z")
    body = error(post_quote(client, kind="new", product="desktop", seats=1, coupon="MARCH"),
                 409, "COUPON_EXPIRED")
    assert body["details"]["redeem_by"].startswith("2026-04-01")


def test_a_quote_keeps_its_coupon_price_after_the_coupon_expires(
        ctx: Context, client: TestClient, admin: dict[str, str]) -> None:
    set_clock(client, admin, "2026-03-01T00:00:00Z")
    make_coupon(ctx, "MARCH", redeem_by=datetime.fromisoformat("2026-03-02T00:00:00+00:00"))
    q = quote(client, kind="new", product="desktop", seats=5, coupon="MARCH")
    disable(ctx, "MARCH")
    set_clock(client, admin, "2026-03-20T00:00:00Z")  # expired and disabled; quote valid
    o = post_order(client, q["id"])
    assert o.status_code == 201, o.text
    assert pay(client, o.json()["id"])["total"] == usd_json(34320)
    assert redeemed(ctx, "MARCH") == 1


def test_exhausted_coupon_is_refused_at_quote_order_and_before_the_charge(
        ctx: Context, client: TestClient, admin: dict[str, str]) -> None:
    make_coupon(ctx, "ONCE", max_redemptions=1)
    quotes = [quote(client, kind="new", product="desktop", seats=1, coupon="ONCE")["id"]
              for _ in range(3)]
    ordered = post_order(client, quotes[1]).json()  # ordered before the coupon ran out
    pay(client, order(client, quotes[0])["id"])
    assert redeemed(ctx, "ONCE") == 1
    body = error(post_quote(client, kind="new", product="desktop", seats=1, coupon="ONCE"),
                 409, "COUPON_EXHAUSTED")
    assert body["details"]["max_redemptions"] == 1
    error(post_order(client, quotes[2]), 409, "COUPON_EXHAUSTED")
    charges = len(ledger(client, admin))
    error(client.post(f"/v1/orders/{ordered['id']}/pay", json={"card_token": "tok_visa"}),
          409, "COUPON_EXHAUSTED")
    assert len(ledger(client, admin)) == charges  # refused before any money moved
    shown = client.get(f"/v1/orders/{ordered['id']}", headers=admin).json()
    assert shown["status"] == "awaiting_payment" and shown["licenses"] == []
    assert redeemed(ctx, "ONCE") == 1


def test_once_per_customer_by_buyer_email(ctx: Context, client: TestClient,
                                          admin: dict[str, str]) -> None:
    make_coupon(ctx, "WELCOME", once_per_customer=True)
    first, second, third = (quote(client, kind="new", product="desktop", seats=1,
                                  coupon="WELCOME")["id"] for _ in range(3))
    waiting = post_order(client, second, email="Jane@Acme.test").json()  # before first paid
    pay(client, order(client, first)["id"])
    body = error(post_order(client, third, email="JANE@acme.test"), 409, "COUPON_ALREADY_USED")
    assert body["details"]["code"] == "WELCOME"
    charges = len(ledger(client, admin))
    error(client.post(f"/v1/orders/{waiting['id']}/pay", json={"card_token": "tok_visa"}),
          409, "COUPON_ALREADY_USED")
    assert len(ledger(client, admin)) == charges
    # another customer may
    assert post_order(client, third, email="someone@else.test").status_code == 201
    assert redeemed(ctx, "WELCOME") == 1


# -- when a redemption counts -------------------------------------------------------------------

def test_an_invoice_counts_when_marked_paid_and_a_cancel_gives_nothing_back(
        ctx: Context, client: TestClient, admin: dict[str, str]) -> None:
    make_coupon(ctx, max_redemptions=5)
    q = quote(client, kind="new", product="desktop", seats=5, coupon=SPRING)
    o = order(client, q["id"], method="invoice")
    assert o["total"] == usd_json(34320) and redeemed(ctx) == 0
    done = client.post(f"/v1/orders/{o['id']}/mark-paid", headers=admin)
    assert done.status_code == 200 and done.json()["status"] == "fulfilled"
    assert redeemed(ctx) == 1
    other = order(client, quote(client, kind="new", product="desktop", seats=5,
                                coupon=SPRING)["id"], method="invoice")
    assert client.post(f"/v1/orders/{other['id']}/cancel", headers=admin).status_code == 200
    assert redeemed(ctx) == 1


def test_marking_an_invoice_paid_after_the_coupon_ran_out_tells_the_admin(
        ctx: Context, client: TestClient, admin: dict[str, str]) -> None:
    make_coupon(ctx, max_redemptions=1)
    invoiced = order(client, quote(client, kind="new", product="desktop", seats=5,
                                   coupon=SPRING)["id"], method="invoice")
    buy(client, kind="new", product="desktop", seats=5, coupon=SPRING)
    body = error(client.post(f"/v1/orders/{invoiced['id']}/mark-paid", headers=admin),
                 409, "COUPON_EXHAUSTED")
    assert invoiced["number"] in body["message"] and "Cancel" in body["message"]
    assert client.get(f"/v1/orders/{invoiced['id']}", headers=admin).json()["status"] == \
        "awaiting_payment"
    assert redeemed(ctx) == 1


def test_a_refund_gives_the_coupon_back(ctx: Context, client: TestClient,
                                        admin: dict[str, str]) -> None:
    make_coupon(ctx, "WELCOME", once_per_customer=True, max_redemptions=1)
    done = buy(client, kind="new", product="desktop", seats=5, coupon="WELCOME")
    assert redeemed(ctx, "WELCOME") == 1
    error(post_quote(client, kind="new", product="desktop", seats=1, coupon="WELCOME"),
          409, "COUPON_EXHAUSTED")
    r = client.post(f"/v1/orders/{done['id']}/refund", headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "refunded"
    assert redeemed(ctx, "WELCOME") == 0
    again = buy(client, kind="new", product="desktop", seats=1, coupon="WELCOME")  # same email
    assert again["total"] == usd_json(7120) and redeemed(ctx, "WELCOME") == 1


# -- documents and mail -------------------------------------------------------------------------

def test_the_discount_line_on_the_quote_invoice_pdfs_and_the_invoice_mail(
        ctx: Context, client: TestClient, admin: dict[str, str]) -> None:
    make_coupon(ctx)
    q = quote(client, kind="new", product="desktop", seats=5, coupon=SPRING)
    page, pdf = client.get(f"/quotes/{q['id']}"), client.get(f"/quotes/{q['id']}.pdf")
    assert page.status_code == 200 and pdf.content.startswith(b"%PDF")
    for text in ("Coupon SPRING20 (20% off)", "-$85.80", "$429.00", "$343.20"):
        assert text in page.text and in_pdf(text, pdf.content), text
    o = order(client, q["id"], method="invoice")
    [mail] = [m for m in outbox(client, admin, BUYER["email"]) if o["number"] in m["subject"]]
    assert "Coupon SPRING20 (20% off): -$85.80" in mail["body"]
    assert "Total: $343.20" in mail["body"]
    link = next(word for word in mail["body"].split() if f"/orders/{o['id']}?token=" in word)
    token = link.split("token=")[1]
    invoice = client.get(f"/orders/{o['id']}/invoice.pdf", params={"token": token})
    assert invoice.headers["content-type"] == "application/pdf"
    for text in ("Coupon SPRING20 (20% off)", "-$85.80", "$343.20"):
        assert in_pdf(text, invoice.content), text
