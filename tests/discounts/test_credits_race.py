"""Two credits of one desktop license at the same moment, run for real (threads released
together, each with its own session; on PostgreSQL when LICENSOR_TEST_DATABASE_URL is set):
one is credited, the other gets 409 CREDIT_ALREADY_USED, and only one balance grew."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from licensor.accounts.models import AccountRow
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.discounts.credits import service as license_credits
from licensor.licenses.models import LicenseRow
from licensor.subscriptions.credits import service as site_credits
from tests.builders import create_license, race
from tests.orders.helpers import buy
from tests.subscriptions.conftest import START, Shop


def credit_in_own_session(ctx: Context, account_id: str, site_id: str,
                          lic: dict[str, str]) -> str:
    with ctx.db.writer() as session:
        try:
            account = session.get(AccountRow, account_id)
            assert account is not None
            site_credits.credit_site(ctx, session, account, site_id, now=ctx.clock.now(session),
                                     **lic)
            session.commit()
            return "credited"
        except LicensorError as exc:
            session.rollback()
            return exc.code


def paid_site(shop: Shop) -> tuple[dict[str, str], str, str, str]:
    owner, account = shop.account()
    site = shop.site(owner)
    sub = shop.subscribe(owner, site["id"])
    return owner, account["id"], site["id"], sub["id"]


def test_two_sites_credited_with_one_license_at_once(ctx: Context, client: TestClient,
                                                     admin: dict[str, str]) -> None:
    shop = Shop(client, admin)
    shop.set_clock(START)
    for round_ in range(3):
        paid = buy(client, kind="new", product="desktop", seats=5)["licenses"][0]
        lic = {"license_name": paid["license_name"], "license_key": paid["license_key"]}
        sites = [paid_site(shop) for _ in range(2)]
        results = race(2, lambda i, sites=sites, lic=lic: credit_in_own_session(
            ctx, sites[i][1], sites[i][2], lic))
        assert sorted(results) == ["CREDIT_ALREADY_USED", "credited"], (round_, results)
        balances = sorted(client.get(f"/v1/subscriptions/{s[3]}", headers=s[0])
                          .json()["credit_balance"]["amount"] for s in sites)
        assert balances == [0, 21450]


def test_two_requests_for_one_site_at_once(ctx: Context, client: TestClient,
                                           admin: dict[str, str]) -> None:
    shop = Shop(client, admin)
    shop.set_clock(START)
    owner, account_id, site_id, sub_id = paid_site(shop)
    paid = buy(client, kind="new", product="desktop", seats=5)["licenses"][0]
    lic = {"license_name": paid["license_name"], "license_key": paid["license_key"]}
    results = race(2, lambda i: credit_in_own_session(ctx, account_id, site_id, lic))
    assert sorted(results) == ["CREDIT_ALREADY_USED", "credited"], results
    sub = client.get(f"/v1/subscriptions/{sub_id}", headers=owner).json()
    assert sub["credit_balance"]["amount"] == 21450


def record_in_own_session(ctx: Context, license_id: str, target: str) -> Any:
    with ctx.db.writer() as session:
        row = session.get(LicenseRow, license_id)
        assert row is not None
        try:
            license_credits.record_credit(
                session, row, row.id, kind="site", target_id=target,
                amount=Money(100, "USD"), now=ctx.clock.now(session),
                actor="test")
            session.commit()
            return "recorded"
        except LicensorError as exc:
            session.rollback()
            return exc.code


def test_the_unique_lineage_root_refuses_a_second_credit_that_got_past_the_check(
        ctx: Context) -> None:
    """Without any lock: the unique lineage root alone lets one credit stand."""
    lic = create_license(ctx, seats=5)
    results = race(2, lambda i: record_in_own_session(ctx, lic.id, f"target{i}"))
    assert sorted(results) == ["CREDIT_ALREADY_USED", "recorded"], results
