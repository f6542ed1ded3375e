"""Coupons on subscriptions: each refusal (changing nothing), the redemption counted when the
subscription is charged (and when nothing is due), a use lost to a race refunded, Google Drive,
and the billing page's Discount code field."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from licensor.core.context import Context
from licensor.core.money import Money
from licensor.core.payments import Charge, PaymentSource
from licensor.discounts.models import CouponRow, RedemptionRow
from licensor.discounts.service import set_active
from tests.builders import RecordingProcessor
from tests.portal.helpers import field_error, post
from tests.subscriptions.conftest import START, Shop
from tests.subscriptions.test_coupons import lines, make_coupon, subscribe

DAY = 86400


def error(r: Any) -> tuple[int, str]:
    return r.status_code, str(r.json()["error"]["code"])


def times_redeemed(ctx: Context, code: str) -> int:
    with ctx.db.reader() as session:
        row = session.scalars(select(CouponRow).where(CouponRow.code == code)).one()
        return row.times_redeemed


def site_body(shop: Shop) -> tuple[dict[str, str], dict[str, Any]]:
    owner, _ = shop.account()
    sid = shop.site(owner)["id"]
    return owner, {"plan": "small", "interval": "month", "card_token": "tok_visa",
                   "site_id": sid}


def test_each_refusal_on_subscribe_changes_nothing(ctx: Context, shop: Shop,
                                                   client: TestClient) -> None:
    make_coupon(ctx, "DESKTOP20", percent="20", products=["desktop"])
    make_coupon(ctx, "NEWONLY", percent="20", kinds=["new", "upgrade"])
    make_coupon(ctx, "BIGONLY", percent="20", minimum_amount=Money(5000, "USD"))
    make_coupon(ctx, "LAPSED", percent="20", redeem_by=START - timedelta(hours=1))
    make_coupon(ctx, "OFF", percent="20")
    make_coupon(ctx, "LASTONE", percent="20", max_redemptions=1)
    with ctx.db.transaction() as session:
        set_active(session, "OFF", False, now=START, actor="test")
    owner, body = site_body(shop)
    cases = {"NOPE": (404, "UNKNOWN_COUPON"), "DESKTOP20": (409, "COUPON_NOT_APPLICABLE"),
             "NEWONLY": (409, "COUPON_NOT_APPLICABLE"), "BIGONLY": (409, "COUPON_NOT_APPLICABLE"),
             "LAPSED": (409, "COUPON_EXPIRED"), "OFF": (409, "COUPON_EXPIRED")}
    for code, expected in cases.items():
        r = client.post("/v1/subscriptions", headers=owner, json={**body, "coupon": code})
        assert error(r) == expected, (code, r.text)
        assert r.json()["error"]["message"].endswith(".")
    r = client.post("/v1/subscriptions", headers=owner, json={**body, "coupon": "NEWONLY"})
    assert r.json()["error"]["details"]["reason"] == "kind"
    r = client.post("/v1/subscriptions", headers=owner, json={**body, "coupon": "x" * 41})
    assert r.status_code == 422
    assert client.get(f"/v1/sites/{body['site_id']}", headers=owner).json()[
        "subscription"]["status"] == "trialing"
    subscribe(shop, "small", "LASTONE")
    r = client.post("/v1/subscriptions", headers=owner, json={**body, "coupon": "lastone"})
    assert error(r) == (409, "COUPON_EXHAUSTED")
    assert times_redeemed(ctx, "LASTONE") == 1


def test_refusals_on_a_change_and_its_preview(ctx: Context, shop: Shop,
                                              client: TestClient) -> None:
    make_coupon(ctx, "ONCE10", percent="10")
    make_coupon(ctx, "MINE", percent="10", once_per_customer=True)
    make_coupon(ctx, "DRIVE", percent="10", products=["google-drive"])
    owner, sub_id = subscribe(shop, "small", "ONCE10")
    shop.advance(DAY)
    path = f"/v1/subscriptions/{sub_id}/change"
    for suffix in ("/preview", ""):
        r = client.post(path + suffix, json={"plan": "large", "coupon": "nope"}, headers=owner)
        assert error(r) == (404, "UNKNOWN_COUPON")
        r = client.post(path + suffix, json={"plan": "large", "coupon": "DRIVE"}, headers=owner)
        assert error(r) == (409, "COUPON_NOT_APPLICABLE")
        assert r.json()["error"]["details"]["reason"] == "product"
        # its once coupon is over: giving it again neither restarts nor extends it
        r = client.post(path + suffix, json={"plan": "large", "coupon": "once10"},
                        headers=owner)
        assert error(r) == (409, "COUPON_ALREADY_USED")
    assert len(shop.invoices(owner, sub_id)) == 1
    # once per customer (the account's email), over all its subscriptions
    r = client.post(path, json={"plan": "large", "coupon": "MINE"}, headers=owner)
    assert r.status_code == 200 and lines(r.json())[-1][0] == "discount"
    site = shop.client.post("/v1/sites", json={"name": "Second"}, headers=owner).json()
    r = client.post("/v1/subscriptions", headers=owner, json={
        "plan": "small", "interval": "month", "card_token": "tok_visa", "site_id": site["id"],
        "coupon": "mine"})
    assert error(r) == (409, "COUPON_ALREADY_USED")


def test_the_redemption_counts_when_the_subscription_is_charged(ctx: Context, shop: Shop,
                                                                client: TestClient) -> None:
    make_coupon(ctx, "FOREVER10", percent="10", duration="forever")
    make_coupon(ctx, "FREE", percent="100")
    owner, sub_id = subscribe(shop, "small", "FOREVER10")
    shop.advance(62 * DAY)  # two renewals discounted: still one use
    assert times_redeemed(ctx, "FOREVER10") == 1
    with ctx.db.reader() as session:
        [use] = session.scalars(select(RedemptionRow)).all()
        assert (use.subject_type, use.subject_id, use.amount) == ("subscription", sub_id, 120)
        assert use.customer_key == f"user{shop.count}@example.test"
    # nothing due: the coupon still counts when it is applied
    free_owner, free_id = subscribe(shop, "small", "FREE")
    [invoice] = shop.invoices(free_owner, free_id)
    assert (invoice["amount_paid"]["amount"], invoice["charge_id"]) == (0, None)
    assert lines(invoice) == [("charge", 1200), ("discount", -1200)]
    assert times_redeemed(ctx, "FREE") == 1
    # a preview counts nothing; a change with a new coupon counts it
    make_coupon(ctx, "SWITCH", percent="5")
    r = client.post(f"/v1/subscriptions/{sub_id}/change/preview",
                    json={"plan": "large", "coupon": "SWITCH"}, headers=owner)
    assert r.status_code == 200 and times_redeemed(ctx, "SWITCH") == 0
    r = client.post(f"/v1/subscriptions/{sub_id}/change",
                    json={"plan": "large", "coupon": "SWITCH"}, headers=owner)
    assert r.status_code == 200 and times_redeemed(ctx, "SWITCH") == 1


class RacingProcessor(RecordingProcessor):
    """While the card is charged, another buyer takes the coupon's last use."""

    def __init__(self, ctx: Context, code: str) -> None:
        super().__init__(ctx.db)
        self.ctx, self.code = ctx, code

    def charge(self, amount: Money, source: PaymentSource, *, description: str,
               idempotency_key: str, metadata: dict[str, str]) -> Charge:
        made = super().charge(amount, source, description=description,
                              idempotency_key=idempotency_key, metadata=metadata)
        with self.ctx.db.transaction() as session:
            session.execute(update(CouponRow).where(CouponRow.code == self.code)
                            .values(times_redeemed=CouponRow.max_redemptions))
        return made


def test_a_use_lost_to_a_race_rolls_back_and_refunds(ctx: Context, shop: Shop,
                                                     client: TestClient) -> None:
    make_coupon(ctx, "LAST", percent="10", max_redemptions=1)
    processor = RacingProcessor(ctx, "LAST")
    ctx.payments = processor
    owner, body = site_body(shop)
    r = client.post("/v1/subscriptions", headers=owner, json={**body, "coupon": "LAST"})
    assert error(r) == (409, "COUPON_EXHAUSTED")
    assert len(processor.charges) == 1 and processor.refunds == processor.charge_ids
    assert processor.charges[0].amount == Money(1080, "USD")
    site = client.get(f"/v1/sites/{body['site_id']}", headers=owner).json()
    assert site["subscription"]["status"] == "trialing"
    with ctx.db.reader() as session:
        assert session.scalars(select(RedemptionRow)).all() == []


def test_a_google_drive_subscription_with_a_coupon(ctx: Context, shop: Shop,
                                                   client: TestClient) -> None:
    make_coupon(ctx, "DRIVE50", percent="50", products=["google-drive"],
                kinds=["subscription"], duration="repeating", duration_in_months=2)
    make_coupon(ctx, "SITES", percent="50", products=["mybalsamiq"])
    ann, _ = shop.account()
    body = {"product": "google-drive", "plan": "single", "interval": "month",
            "card_token": "tok_visa", "google_id": "ann@gmail.test"}
    r = client.post("/v1/subscriptions", json={**body, "coupon": "SITES"}, headers=ann)
    assert error(r) == (409, "COUPON_NOT_APPLICABLE")
    r = client.post("/v1/subscriptions", json={**body, "coupon": "drive50"}, headers=ann)
    assert r.status_code == 201, r.text
    sub_id = r.json()["id"]
    shop.advance(92 * DAY)  # renewals 07-01 (discounted), 08-01 and 09-01 (not)
    invoices = shop.invoices(ann, sub_id)
    assert [i["amount_paid"]["amount"] for i in invoices] == [250, 250, 500, 500]
    assert invoices[0]["lines"][1]["description"] == "Coupon DRIVE50 (50% off)"
    assert times_redeemed(ctx, "DRIVE50") == 1


def test_the_billing_page_shows_a_refused_code_next_to_its_field(ctx: Context, shop: Shop,
                                                                 client: TestClient) -> None:
    make_coupon(ctx, "TWENTY", percent="20", duration="forever")
    signed = post(client, "/signup", {"name": "Own", "email": "own@acme.test",
                                      "password": "pw"}, follow_redirects=False)
    assert signed.status_code == 303
    made = post(client, "/sites", {"name": "Acme"}, token_from="/sites", follow_redirects=False)
    billing = made.headers["location"] + "/billing"
    form = {"action": "subscribe", "plan": "small", "interval": "month",
            "card_token": "tok_visa"}
    refused = post(client, billing, {**form, "coupon": "NOPE"})
    assert refused.status_code == 404
    assert "There is no coupon 'NOPE'" in (field_error(refused.text, "coupon") or "")
    assert 'value="NOPE"' in refused.text  # kept for correcting
    post(client, billing, form, follow_redirects=False)
    preview = post(client, billing, {"action": "preview", "plan": "large",
                                     "interval": "month", "coupon": "twenty"})
    assert preview.status_code == 200
    assert "Discount: Coupon TWENTY (20% off)" in preview.text
    assert '<input type="hidden" name="coupon" value="twenty">' in preview.text
    done = post(client, billing, {"action": "confirm", "plan": "large", "interval": "month",
                                  "coupon": "twenty"}, follow_redirects=False)
    assert done.status_code == 303
    assert times_redeemed(ctx, "TWENTY") == 1
