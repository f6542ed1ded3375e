"""Maintenance reminders: 30 days before the end and on the end, exactly once each, driven by
the sandbox clock."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from fastapi.testclient import TestClient

from licensor.catalog import service as catalog
from licensor.core.context import Context
from licensor.licenses import service as licenses
from licensor.maintenance import service as maintenance
from tests import builders
from tests.builders import outbox, set_clock

EMAIL = "ops@acme.test"

# POST /v1/licenses with this file's defaults
issue = partial(builders.issue, product="confluence-server", seats=25, email=EMAIL)


def advance(client: TestClient, admin: dict, seconds: int = 0) -> dict:
    r = client.post("/v1/sandbox/clock/advance", json={"seconds": seconds}, headers=admin)
    assert r.status_code == 200, r.text
    return r.json()


def test_thirty_days_before_and_on_the_day_exactly_once(client: TestClient,
                                                        admin: dict) -> None:
    set_clock(client, admin, "2026-01-10T12:00:00Z")
    lic = issue(client, admin)
    assert lic["maintenance_until"] == "2027-01-10T12:00:00Z"
    set_clock(client, admin, "2026-12-11T11:59:59Z")  # 30 days before the end, minus 1 s
    advance(client, admin)
    assert outbox(client, admin, EMAIL) == []
    assert advance(client, admin, 1)["jobs"]["maintenance_reminders"] == 1
    [soon] = outbox(client, admin, EMAIL)
    assert soon["subject"] == "Your Mockups for Confluence Server maintenance ends on January 10, 2027"
    assert "$300.00" in soon["body"]  # 25-editor tier 600.00 × 50%
    assert "until January 10, 2028" in " ".join(soon["body"].split()) and lic["id"] in soon["body"]
    for _ in range(2):
        assert advance(client, admin, 3600)["jobs"]["maintenance_reminders"] == 0
    assert len(outbox(client, admin, EMAIL)) == 1
    set_clock(client, admin, "2027-01-10T11:59:59Z")
    advance(client, admin)
    assert len(outbox(client, admin, EMAIL)) == 1
    advance(client, admin, 1)  # the exact end instant
    mails = outbox(client, admin, EMAIL)
    assert [m["subject"] for m in mails][1] == \
        "Your Mockups for Confluence Server maintenance ended today"
    assert "$300.00" in mails[1]["body"]
    set_clock(client, admin, "2029-01-01T00:00:00Z")
    advance(client, admin, 86400)
    assert len(outbox(client, admin, EMAIL)) == 2


def test_a_clock_jump_sends_each_reminder_once_dated_when_due(client: TestClient,
                                                              admin: dict) -> None:
    set_clock(client, admin, "2026-01-31T08:00:00Z")
    issue(client, admin, seats=10)
    set_clock(client, admin, "2027-06-01T00:00:00Z")
    assert advance(client, admin)["jobs"]["maintenance_reminders"] == 2
    mails = outbox(client, admin, EMAIL)
    assert [m["created_at"] for m in mails] == ["2027-01-01T08:00:00Z", "2027-01-31T08:00:00Z"]
    assert "$150.00" in mails[0]["body"]
    advance(client, admin, 3600)
    set_clock(client, admin, "2027-06-01T00:00:00Z")  # back in time, then forward again
    advance(client, admin, 60)
    assert len(outbox(client, admin, EMAIL)) == 2


def test_a_renewal_makes_new_reminders_due_for_the_new_end(ctx: Context, client: TestClient,
                                                           admin: dict) -> None:
    set_clock(client, admin, "2026-01-10T12:00:00Z")
    lic = issue(client, admin)
    set_clock(client, admin, "2026-12-20T00:00:00Z")
    advance(client, admin)
    assert len(outbox(client, admin, EMAIL)) == 1
    with ctx.db.transaction() as session:  # an early renewal, before the end
        row = licenses.get_license(session, lic["id"], for_update=True)
        maintenance.renew(ctx, session, row, catalog.get_product(session, row.product),
                          now=ctx.clock.now(session), actor="test")
    set_clock(client, admin, "2027-06-01T00:00:00Z")
    advance(client, admin)  # the old end passed: nothing, it no longer stands
    assert len(outbox(client, admin, EMAIL)) == 1
    set_clock(client, admin, "2027-12-11T12:00:00Z")
    advance(client, admin)
    mails = outbox(client, admin, EMAIL)
    assert len(mails) == 2 and mails[1]["subject"].endswith("ends on January 10, 2028")


def test_a_late_renewal_ending_soon_skips_the_early_reminder(ctx: Context, client: TestClient,
                                                             admin: dict) -> None:
    set_clock(client, admin, "2026-12-25T00:00:00Z")
    lic = issue(client, admin, purchased_at="2025-01-10T12:00:00Z")  # ended 2026-01-10
    advance(client, admin)
    assert outbox(client, admin, EMAIL) == []  # an end already past when it was set: no reminder
    with ctx.db.transaction() as session:
        row = licenses.get_license(session, lic["id"], for_update=True)
        maintenance.renew(ctx, session, row, catalog.get_product(session, row.product),
                          now=ctx.clock.now(session), actor="test")
        assert row.maintenance_until == datetime(2027, 1, 10, 12, tzinfo=UTC)
    advance(client, admin, 86400)
    assert outbox(client, admin, EMAIL) == []  # 30 days before 2027-01-10 was before the renewal
    set_clock(client, admin, "2027-01-10T12:00:00Z")
    advance(client, admin)
    [ended] = outbox(client, admin, EMAIL)
    assert ended["subject"].endswith("ended today")


def test_only_active_direct_licenses_with_maintenance_are_reminded(client: TestClient,
                                                                   admin: dict) -> None:
    set_clock(client, admin, "2026-01-10T12:00:00Z")
    issue(client, admin, channel="marketplace", sen="SEN-1234567")
    revoked = issue(client, admin, product="jira-server")
    assert client.post(f"/v1/licenses/{revoked['id']}/revoke", json={"reason": "fraud"},
                       headers=admin).status_code == 200
    issue(client, admin, product="desktop", seats=3)
    set_clock(client, admin, "2027-02-01T00:00:00Z")
    assert advance(client, admin)["jobs"]["maintenance_reminders"] == 0
    assert outbox(client, admin, EMAIL) == []


def test_concurrent_runs_send_each_reminder_once(ctx: Context) -> None:

    from sqlalchemy import func, select

    from licensor.core.models import MailRow
    from tests.builders import create_license, race

    create_license(ctx, product="jira-server", seats=10, email=EMAIL,
                   now=datetime(2026, 1, 10, tzinfo=UTC))
    now = datetime(2027, 2, 1, tzinfo=UTC)

    def run(_: int) -> None:
        with ctx.db.transaction() as session:
            maintenance.send_maintenance_reminders(ctx, session, now)

    assert race(3, run) == [None, None, None]  # no job failed
    with ctx.db.reader() as session:
        assert session.scalar(select(func.count()).select_from(MailRow)
                              .where(MailRow.to == EMAIL)) == 2
