"""The subscription mails write their dates as every other mail does (core/formats: "July 1,
2025"), never as "2025-07-01": started, renewed, canceled, ended and deleted."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from licensor.core.context import Context
from tests.subscriptions.conftest import Shop

DAY = 86400
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _body(shop: Shop, to: str, subject: str) -> str:
    found = [m for m in shop.outbox(to) if m["subject"].startswith(subject)]
    assert found, (subject, [m["subject"] for m in shop.outbox(to)])
    return " ".join(found[-1]["body"].split())


def test_subscription_mails_write_dates_in_words(shop: Shop, ctx: Context,
                                                client: TestClient) -> None:
    ctx.settings.site_deletion_days = 10
    owner, acc = shop.account()
    site = shop.site(owner)
    sub = shop.subscribe(owner, site["id"])
    assert "runs from June 1, 2025 to July 1, 2025" in _body(
        shop, acc["email"], "Your myBalsamiq subscription")
    shop.advance(31 * DAY)
    assert "renewed until August 1, 2025" in _body(
        shop, acc["email"], "Your myBalsamiq subscription renewed")
    r = client.post(f"/v1/subscriptions/{sub['id']}/cancel", headers=owner)
    assert r.status_code == 200, r.text
    assert "access continues until August 1, 2025, 00:00 UTC" in _body(
        shop, acc["email"], "Your subscription is canceled")
    shop.advance(42 * DAY)  # the period ends, then the site is deleted 10 days later
    assert "were deleted on August 11, 2025" in _body(shop, acc["email"], "Your site")
    for mail in shop.outbox(acc["email"]):
        assert not ISO_DATE.search(mail["body"]), mail
