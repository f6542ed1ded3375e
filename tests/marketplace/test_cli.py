"""`licensor migrations list|show|complete|reject` on the same database as the API."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from licensor.core.context import Context
from tests.builders import create_license
from tests.conftest import Run
from tests.marketplace.helpers import migration_body, outbox


@pytest.fixture
def cli(cli: Run) -> Run:
    """`licensor migrations ARGS...`."""
    return lambda *args, code=0: cli("migrations", *args, code=code)


def test_list_show_complete_reject(cli: Run, client: TestClient, ctx: Context,
                                   admin: dict[str, str]) -> None:
    first = create_license(ctx, product="confluence-server", seats=25, license_name="First Co",
                           email="first@acme.test")
    second = create_license(ctx, product="jira-server", seats=10, license_name="Second Co",
                            email="second@acme.test")
    a = client.post("/v1/migrations", json=migration_body(first)).json()
    b = client.post("/v1/migrations", json=migration_body(second)).json()

    listed = cli("list")
    assert a["id"] in listed and b["id"] in listed
    assert [m["id"] for m in json.loads(cli("list", "--json"))] == [a["id"], b["id"]]
    assert json.loads(cli("show", a["id"]))["organisation"] == "Acme Inc"

    done = json.loads(cli("complete", a["id"], "--sen", "SEN-L2222"))
    assert done["status"] == "completed" and done["license"]["channel"] == "marketplace"
    assert "SEN-L2222" in outbox(client, admin, "first@acme.test")[-1]["body"]
    assert "MIGRATION_NOT_PENDING" in cli("complete", a["id"], "--sen", "SEN-L3333", code=2)

    rejected = json.loads(cli("reject", b["id"], "--reason", "Customer changed their mind"))
    assert rejected["status"] == "rejected"
    assert json.loads(cli("list", "--json")) == []
    assert a["id"] in cli("list", "--status", "completed")
    assert [m["id"] for m in json.loads(cli("list", "--status", "all", "--json"))] == [
        a["id"], b["id"]]
    assert "INVALID_REQUEST" in cli("list", "--status", "bogus", code=2)
    assert "MIGRATION_NOT_FOUND" in cli("show", "mig_missing", code=2)
