"""Concurrent and repeated requests: one open request per license, whatever the timing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.marketplace import service as marketplace
from licensor.marketplace.repository import MigrationRepository
from tests.builders import create_license, race
from tests.marketplace.helpers import migration_body


def test_concurrent_requests_for_one_license_open_one(ctx: Context) -> None:
    lic = create_license(ctx, product="confluence-server", seats=25)
    body = migration_body(lic)
    data = marketplace.MigrationInput(**{k: v for k, v in body.items()})
    n = 6

    def run(i: int) -> str:
        try:
            with ctx.db.transaction() as session:
                return marketplace.request_migration(ctx, session, data,
                                                     now=ctx.clock.now(session)).id
        except LicensorError as exc:
            return exc.code

    results = race(n, run)
    created = [r for r in results if r.startswith("mig_")]
    assert len(created) == 1, results
    assert sorted(r for r in results if not r.startswith("mig_")) == [
        "MIGRATION_ALREADY_OPEN"] * (n - 1)
    with ctx.db.reader() as session:
        assert [r.id for r in MigrationRepository(session).for_license(lic.id)] == created


def test_idempotency_key_replays_the_first_answer(client: TestClient, ctx: Context) -> None:
    lic = create_license(ctx, product="jira-server", seats=10)
    headers = {"Idempotency-Key": "mig-1"}
    first = client.post("/v1/migrations", json=migration_body(lic), headers=headers)
    second = client.post("/v1/migrations", json=migration_body(lic), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    other = client.post("/v1/migrations", json=migration_body(lic, organisation="Other"),
                        headers=headers)
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
