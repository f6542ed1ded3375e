"""The Discount code field of step 3 through the real app (no browser): Apply re-quotes with the
code (the same service as POST /v1/quotes with `coupon`), a refusal keeps the quote and shows
the API's message next to the field, and refusals met when ordering show there too."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from licensor.core.context import Context
from licensor.core.money import Money
from licensor.discounts import service as discounts
from licensor.discounts.service import CouponTerms
from tests.builders import create_license, license_info
from tests.portal.helpers import field_error, post

BUYER = {"name": "Ana Diaz", "email": "ana@acme.test", "card_token": "tok_visa"}


def make_coupon(ctx: Context, code: str, **terms: Any) -> None:
    if "amount_off" not in terms:
        terms.setdefault("percent_off", Decimal(20))
    with ctx.db.writer() as session:
        discounts.create_coupon(session, CouponTerms(code=code, **terms),
                                now=ctx.clock.now(session), actor="test")
        session.commit()


def new_quote(client: TestClient, seats: int = 5) -> str:
    made = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": seats})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def apply(client: TestClient, quote_id: str, code: str) -> Any:
    return post(client, f"/checkout/{quote_id}", {"action": "coupon", "coupon": code},
                token_from=f"/checkout/{quote_id}", follow_redirects=False)


def total_of(html: str) -> str:
    found = re.search(r"<tfoot>.*?<strong>([^<]+)</strong>", html, re.DOTALL)
    assert found, "no total on the page"
    return found.group(1)


def test_apply_moves_to_a_quote_with_the_discount_line(ctx: Context, client: TestClient) -> None:
    make_coupon(ctx, "SPRING20")
    quote_id = new_quote(client)
    assert 'id="coupon"' in client.get(f"/checkout/{quote_id}").text  # labelled, optional
    moved = apply(client, quote_id, "spring20")  # case does not matter
    assert moved.status_code == 303
    new_id = moved.headers["location"].rsplit("/", 1)[1]
    assert new_id != quote_id
    page = client.get(f"/checkout/{new_id}").text
    assert "Coupon SPRING20 (20% off)" in page and "-$85.80" in page
    assert total_of(page) == "$343.20"
    assert re.search(r'id="coupon"[^>]*value="SPRING20"', page)  # the field shows the code
    # The same as the API's quote with that coupon.
    api = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 5,
                                          "coupon": "SPRING20"}).json()
    assert client.get(f"/v1/quotes/{new_id}").json()["lines"] == api["lines"]
    # Emptying the field and Apply: the quote without the coupon.
    again = apply(client, new_id, "")
    plain = client.get(again.headers["location"]).text
    assert total_of(plain) == "$429.00" and "Coupon" not in plain


def test_an_unknown_code_keeps_the_quote_and_shows_the_apis_message(
        ctx: Context, client: TestClient) -> None:
    quote_id = new_quote(client)
    api = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 5,
                                          "coupon": "NOPE"}).json()
    page = apply(client, quote_id, "NOPE")
    assert page.status_code == 404
    assert field_error(page.text, "coupon") == api["error"]["message"]
    assert total_of(page.text) == "$429.00"
    assert f'action="/checkout/{quote_id}"' in page.text  # still this quote
    assert re.search(r'id="coupon"[^>]*value="NOPE"', page.text)


def test_every_coupon_refusal_on_apply_is_next_to_the_field(
        ctx: Context, client: TestClient) -> None:
    with ctx.db.reader() as session:
        now = ctx.clock.now(session)
    make_coupon(ctx, "OLD10", redeem_by=now - timedelta(days=1))
    make_coupon(ctx, "PLUGINS", products=["confluence-server"])
    make_coupon(ctx, "BIG", minimum_amount=Money(100000, "USD"))
    quote_id = new_quote(client)
    for code, want in (("OLD10", "COUPON_EXPIRED"), ("PLUGINS", "COUPON_NOT_APPLICABLE"),
                       ("BIG", "COUPON_NOT_APPLICABLE")):
        page = apply(client, quote_id, code)
        assert page.status_code == 409, page.text
        api = client.post("/v1/quotes", json={"kind": "new", "product": "desktop",
                                              "seats": 5, "coupon": code}).json()
        assert api["error"]["code"] == want
        assert field_error(page.text, "coupon") == api["error"]["message"]
        assert total_of(page.text) == "$429.00"


def test_a_code_used_once_per_customer_is_refused_at_payment_next_to_the_field(
        ctx: Context, client: TestClient) -> None:
    make_coupon(ctx, "ONCE", once_per_customer=True)
    first = apply(client, new_quote(client), "ONCE").headers["location"].rsplit("/", 1)[1]
    second = apply(client, new_quote(client), "ONCE").headers["location"].rsplit("/", 1)[1]
    paid = post(client, f"/checkout/{first}", BUYER, token_from=f"/checkout/{first}",
                follow_redirects=False)
    assert paid.status_code == 303, paid.text
    refused = post(client, f"/checkout/{second}", BUYER, token_from=f"/checkout/{second}")
    assert refused.status_code == 409
    assert "ONCE" in (field_error(refused.text, "coupon") or "")
    assert re.search(r'id="coupon"[^>]*value="ONCE"', refused.text)


def test_apply_on_an_upgrade_and_a_renewal_quote(ctx: Context, client: TestClient) -> None:
    make_coupon(ctx, "TENOFF", amount_off=Money(1000, "USD"))
    info = license_info(create_license(ctx, seats=1))
    upgrade = client.post("/v1/quotes", json={"kind": "upgrade", "seats": 5, **info}).json()
    moved = apply(client, upgrade["id"], "TENOFF")
    assert moved.status_code == 303, moved.text
    page = client.get(moved.headers["location"]).text
    assert total_of(page) == "$330.00" and "Coupon TENOFF" in page  # 340.00 - 10.00
    server = license_info(create_license(ctx, product="confluence-server", seats=25))
    renewal = client.post("/v1/quotes", json={"kind": "renewal", **server})
    assert renewal.status_code == 201, renewal.text
    priced = renewal.json()["total"]["amount"]
    moved = apply(client, renewal.json()["id"], "TENOFF")
    assert moved.status_code == 303, moved.text
    quote = client.get("/v1/quotes/" + moved.headers["location"].rsplit("/", 1)[1]).json()
    assert quote["kind"] == "renewal" and quote["total"]["amount"] == priced - 1000


def test_apply_keeps_an_academic_or_companion_price(ctx: Context, client: TestClient) -> None:
    make_coupon(ctx, "TENOFF", amount_off=Money(1000, "USD"))
    academic = client.post("/v1/quotes", json={
        "kind": "new", "product": "confluence-server", "seats": 25, "academic": True,
        "institution": "Springfield University"}).json()
    assert academic["total"]["amount"] == 30000, academic
    moved = apply(client, academic["id"], "TENOFF")
    assert moved.status_code == 303, moved.text
    page = client.get(moved.headers["location"]).text
    assert total_of(page) == "$290.00" and "Springfield University" in page
    server = license_info(create_license(ctx, product="confluence-server", seats=25))
    companion = client.post("/v1/quotes", json={"kind": "new", "product": "desktop",
                                                "seats": 3, "companion": server}).json()
    assert companion["total"]["amount"] == 13500, companion
    moved = apply(client, companion["id"], "TENOFF")
    assert moved.status_code == 303, moved.text
    assert total_of(client.get(moved.headers["location"]).text) == "$125.00"


def test_a_code_used_up_before_payment_is_refused_next_to_the_field(
        ctx: Context, client: TestClient) -> None:
    make_coupon(ctx, "LAST1", max_redemptions=1)
    first = apply(client, new_quote(client), "LAST1").headers["location"].rsplit("/", 1)[1]
    second = apply(client, new_quote(client), "LAST1").headers["location"].rsplit("/", 1)[1]
    paid = post(client, f"/checkout/{first}", BUYER, token_from=f"/checkout/{first}",
                follow_redirects=False)
    assert paid.status_code == 303, paid.text
    page = post(client, f"/checkout/{second}", {**BUYER, "email": "bo@acme.test"},
                token_from=f"/checkout/{second}")
    assert page.status_code == 409
    assert "LAST1" in (field_error(page.text, "coupon") or "")
    assert "Empty the field" not in page.text  # the hint for an applied code gives way
    # Apply with the field emptied: the same purchase without the coupon, and it can be paid.
    plain = apply(client, second, "").headers["location"].rsplit("/", 1)[1]
    paid = post(client, f"/checkout/{plain}", {**BUYER, "email": "bo@acme.test"},
                token_from=f"/checkout/{plain}", follow_redirects=False)
    assert paid.status_code == 303, paid.text
    assert client.get(f"/v1/quotes/{plain}").json()["total"]["amount"] == 42900
