"""The sandbox clock: frozen, settable, advanced by admins, running every job that fell due."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from licensor.app import create_app
from licensor.core import jobs
from licensor.core.context import Context, build_context
from tests.conftest import make_settings


@pytest.fixture
def recorder() -> Iterator[list[datetime]]:
    seen: list[datetime] = []

    def tick(ctx: Context, session: Session, now: datetime) -> int:
        seen.append(now)
        return 1

    jobs.job("test_recorder")(tick)
    yield seen
    jobs._REGISTRY.pop("test_recorder", None)


def test_clock_is_frozen_once_set(client: TestClient, admin) -> None:
    r = client.put("/v1/sandbox/clock", json={"now": "2015-03-01T12:00:00Z"}, headers=admin)
    assert r.status_code == 200
    assert client.get("/v1/sandbox/clock").json() == {"now": "2015-03-01T12:00:00Z"}
    assert client.get("/v1/sandbox/clock").json() == {"now": "2015-03-01T12:00:00Z"}


def test_new_licenses_are_stamped_with_the_sandbox_time(client: TestClient, admin) -> None:
    client.put("/v1/sandbox/clock", json={"now": "2015-03-01T12:00:00Z"}, headers=admin)
    lic = client.post("/v1/licenses", headers=admin, json={
        "product": "jira-server", "seats": 10, "license_name": "A", "email": "a@b.test"}).json()
    assert lic["purchased_at"] == "2015-03-01T12:00:00Z"
    assert lic["maintenance_until"] == "2016-03-01T12:00:00Z"


def test_advance_runs_due_jobs_at_the_new_time(client: TestClient, admin, recorder) -> None:
    client.put("/v1/sandbox/clock", json={"now": "2015-03-01T00:00:00Z"}, headers=admin)
    r = client.post("/v1/sandbox/clock/advance", json={"seconds": 86400}, headers=admin)
    assert r.status_code == 200
    assert r.json()["now"] == "2015-03-02T00:00:00Z" and r.json()["jobs"]["test_recorder"] == 1
    assert [t.isoformat() for t in recorder] == ["2015-03-02T00:00:00+00:00"]


def test_clock_controls_need_admin_and_valid_input(client: TestClient, admin) -> None:
    assert client.put("/v1/sandbox/clock", json={"now": "2015-03-01T00:00:00Z"}).status_code \
        == 401
    assert client.post("/v1/sandbox/clock/advance", json={"seconds": 5}).status_code == 401
    for body in ({"now": "yesterday"}, {"now": "2015-03-01T00:00:00"}, {}):
        r = client.put("/v1/sandbox/clock", json=body, headers=admin)
        assert r.status_code == 422 and r.json()["error"]["code"] == "INVALID_REQUEST"
    for seconds in (-1, 10**12, "soon"):
        r = client.post("/v1/sandbox/clock/advance", json={"seconds": seconds}, headers=admin)
        assert r.status_code == 422
    assert client.get("/v1/sandbox/outbox").status_code == 401


def test_sandbox_routes_do_not_exist_outside_sandbox(ctx: Context, tmp_path) -> None:
    live = build_context(make_settings(tmp_path / "live", ctx.db.url, sandbox=False),
                         db=ctx.db)
    with TestClient(create_app(live, run_prepare=False)) as c:
        r = c.get("/v1/sandbox/clock")
        assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
        assert c.get("/healthz").status_code == 200
