"""What falls due for the lifecycle job is decided once: the repository's query and the rule
`advance` uses agree on every subscription at every moment; the site deletion delay is the
vendor's setting, and the mail that announces the deletion says its date."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from licensor.core.context import Context
from licensor.subscriptions import rules
from licensor.subscriptions.models import SubscriptionRow
from licensor.subscriptions.repository import SubscriptionRepository
from tests.subscriptions.conftest import START, Shop

DAY = 86400


def _agree(ctx: Context, keep: timedelta) -> int:
    """Compare query and rule at moments around every period end and deletion; how many
    subscriptions were due in all."""
    seen = 0
    with ctx.db.transaction() as session:
        subs = session.scalars(select(SubscriptionRow)).all()
        moments = {START + timedelta(days=d) for d in range(0, 400, 7)}
        for s in subs:
            moments |= {s.current_period_end, s.current_period_end - timedelta(seconds=1)}
            if s.next_payment_attempt_at is not None:
                moments |= {s.next_payment_attempt_at,
                            s.next_payment_attempt_at - timedelta(seconds=1)}
            deletion = rules.deletion_at(s.status, s.site_id, s.ended_at, keep)
            if deletion is not None:
                moments |= {deletion, deletion - timedelta(seconds=1)}
        repo = SubscriptionRepository(session)
        for now in sorted(moments):
            by_query = set(repo.due(now, keep))
            by_rule = {s.id for s in subs if rules.falls_due(
                s.status, s.current_period_end, s.site_id, s.ended_at, now, keep,
                s.next_payment_attempt_at)}
            assert by_query == by_rule, now
            seen += len(by_rule)
    return seen


def test_the_query_and_the_rule_agree(shop: Shop, ctx: Context, client: TestClient) -> None:
    owner, _ = shop.account()
    trialing = shop.site(owner, "Trialing")
    shop.subscribe(owner, shop.site(owner, "Paying")["id"])
    canceled = shop.subscribe(owner, shop.site(owner, "Canceling")["id"])
    assert client.post(f"/v1/subscriptions/{canceled['id']}/cancel",
                       headers=owner).status_code == 200
    dunned = shop.subscribe(owner, shop.site(owner, "Dunned")["id"])
    assert client.put(f"/v1/subscriptions/{dunned['id']}/card", headers=owner,
                      json={"card_token": "tok_chargeCustomerFail"}).status_code == 200
    keep = ctx.settings.site_deletion
    assert _agree(ctx, keep) > 0
    shop.advance(31 * DAY)  # the trial and the canceled one end: suspended sites; one past due
    statuses = {get["status"] for get in _subs(ctx)}
    assert {"suspended", "active", "past_due"} <= statuses, statuses
    assert trialing["subscription"]["id"] in {s["id"] for s in _subs(ctx)
                                              if s["status"] == "suspended"}
    assert _agree(ctx, keep) > 0
    assert _agree(ctx, timedelta(days=3)) > 0


def _subs(ctx: Context) -> list[dict[str, Any]]:
    with ctx.db.transaction() as session:
        return [{"id": s.id, "status": s.status}
                for s in session.scalars(select(SubscriptionRow)).all()]


def test_site_deletion_follows_the_setting(shop: Shop, ctx: Context,
                                           client: TestClient) -> None:
    ctx.settings.site_deletion_days = 10
    owner, acc = shop.account()
    site = shop.site(owner)
    shop.advance(30 * DAY)  # the 30-day trial ends
    ended = [m for m in shop.outbox(acc["email"]) if "ended" in m["subject"]]
    assert ended and "deleted on July 11, 2025" in " ".join(ended[0]["body"].split()), ended
    shop.advance(9 * DAY)
    assert client.get(f"/v1/sites/{site['id']}", headers=owner).status_code == 200
    shop.advance(DAY)
    assert client.get(f"/v1/sites/{site['id']}", headers=owner).status_code == 404
