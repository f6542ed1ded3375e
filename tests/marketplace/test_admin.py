"""Administrators list, complete and reject migration requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from licensor.core import audit
from licensor.core.context import Context
from licensor.licenses.models import LicenseRow
from tests.builders import create_license
from tests.marketplace.helpers import error, migration_body, outbox


@pytest.fixture
def server_license(ctx: Context) -> LicenseRow:
    return create_license(ctx, product="confluence-server", seats=25, email="buyer@acme.test")


def request(client: TestClient, lic: LicenseRow, **overrides: object) -> dict[str, object]:
    response = client.post("/v1/migrations", json=migration_body(lic, **overrides))
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_complete_moves_the_license_to_the_marketplace(
        client: TestClient, ctx: Context, admin: dict[str, str],
        server_license: LicenseRow) -> None:
    mig = request(client, server_license)
    response = client.post(f"/v1/migrations/{mig['id']}/complete", json={"sen": "SEN-L7654321"},
                           headers=admin)
    assert response.status_code == 200, response.text
    done = response.json()
    assert done["status"] == "completed" and done["sen"] == "SEN-L7654321"
    assert done["license"]["channel"] == "marketplace"
    lic = client.get(f"/v1/licenses/{server_license.id}", headers=admin).json()
    assert lic["channel"] == "marketplace" and lic["sen"] == "SEN-L7654321"
    with ctx.db.reader() as session:
        row = session.get(LicenseRow, server_license.id)
        assert row is not None and row.version == server_license.version + 1
        license_actions = [e.action for e in audit.entries_for(session, server_license.id)]
        migration_actions = [e.action for e in audit.entries_for(session, str(mig["id"]))]
        assert audit.verify_chain(session).ok
    assert license_actions[-1] == "license.moved_to_marketplace"
    assert migration_actions == ["migration.requested", "migration.completed"]
    # The customer is mailed the SEN.
    for to in ("buyer@acme.test", "admin@acme.test"):
        confirmation = outbox(client, admin, to)[-1]
        assert "SEN-L7654321" in confirmation["subject"] + confirmation["body"]
        assert "https://my.atlassian.com" in confirmation["body"]
    # The key still validates: the customer keeps working while installing the marketplace one.
    check = client.post("/v1/licenses/validate", json={
        "license_name": server_license.license_name,
        "license_key": server_license.license_key}).json()
    assert check["valid"] is True
    # And it cannot be asked for again.
    error(client.post("/v1/migrations", json=migration_body(server_license)), 409,
          "ALREADY_MARKETPLACE")


def test_complete_only_from_pending(client: TestClient, admin: dict[str, str],
                                    server_license: LicenseRow) -> None:
    waiting = request(client, server_license, server_user_tier=50, agree_to_upgrade=True)
    err = error(client.post(f"/v1/migrations/{waiting['id']}/complete", json={"sen": "SEN-1"},
                            headers=admin), 409, "MIGRATION_NOT_PENDING")
    assert err["details"]["status"] == "awaiting_upgrade"
    client.post(f"/v1/migrations/{waiting['id']}/reject", json={"reason": "asked by customer"},
                headers=admin)
    err = error(client.post(f"/v1/migrations/{waiting['id']}/complete", json={"sen": "SEN-1"},
                            headers=admin), 409, "MIGRATION_NOT_PENDING")
    assert err["details"]["status"] == "rejected"
    mig = request(client, server_license)
    ok = client.post(f"/v1/migrations/{mig['id']}/complete", json={"sen": "SEN-2"},
                     headers=admin)
    assert ok.status_code == 200
    err = error(client.post(f"/v1/migrations/{mig['id']}/complete", json={"sen": "SEN-3"},
                            headers=admin), 409, "MIGRATION_NOT_PENDING")
    assert err["details"]["status"] == "completed"


def test_complete_needs_a_valid_unused_sen(client: TestClient, ctx: Context,
                                           admin: dict[str, str],
                                           server_license: LicenseRow) -> None:
    mig = request(client, server_license)
    for sen in ("", "   ", "SEN 12/34"):
        err = error(client.post(f"/v1/migrations/{mig['id']}/complete", json={"sen": sen},
                                headers=admin), 422, "INVALID_REQUEST")
        assert err["details"]["field"] == "sen"
    err = error(client.post(f"/v1/migrations/{mig['id']}/complete", json={}, headers=admin),
                422, "INVALID_REQUEST")
    assert err["details"]["field"] == "sen"
    other = create_license(ctx, product="jira-server", seats=10, channel="marketplace",
                           sen="SEN-TAKEN")
    err = error(client.post(f"/v1/migrations/{mig['id']}/complete", json={"sen": "SEN-TAKEN"},
                            headers=admin), 409, "SEN_IN_USE")
    assert err["details"]["license_id"] == other.id
    shown = client.get(f"/v1/migrations/{mig['id']}", headers=admin).json()
    assert shown["status"] == "pending"


def test_complete_refuses_a_license_revoked_meanwhile(client: TestClient,
                                                      admin: dict[str, str],
                                                      server_license: LicenseRow) -> None:
    mig = request(client, server_license)
    client.post(f"/v1/licenses/{server_license.id}/revoke", json={"reason": "fraud"},
                headers=admin)
    error(client.post(f"/v1/migrations/{mig['id']}/complete", json={"sen": "SEN-9"},
                      headers=admin), 409, "LICENSE_REVOKED")


def test_reject_closes_the_request_and_tells_the_customer(
        client: TestClient, ctx: Context, admin: dict[str, str],
        server_license: LicenseRow) -> None:
    mig = request(client, server_license)
    err = error(client.post(f"/v1/migrations/{mig['id']}/reject", json={"reason": " "},
                            headers=admin), 422, "INVALID_REQUEST")
    assert err["details"]["field"] == "reason"
    response = client.post(f"/v1/migrations/{mig['id']}/reject",
                           json={"reason": "The marketplace account does not exist"},
                           headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "rejected"
    assert response.json()["reason"] == "The marketplace account does not exist"
    mail = outbox(client, admin, "buyer@acme.test")[-1]
    assert "does not exist" in mail["body"]
    error(client.post(f"/v1/migrations/{mig['id']}/reject", json={"reason": "again"},
                      headers=admin), 409, "MIGRATION_NOT_PENDING")
    lic = client.get(f"/v1/licenses/{server_license.id}", headers=admin).json()
    assert lic["channel"] == "direct"
    with ctx.db.reader() as session:
        actions = [e.action for e in audit.entries_for(session, str(mig["id"]))]
    assert actions == ["migration.requested", "migration.rejected"]


def test_admin_calls_need_the_admin_token(client: TestClient,
                                          server_license: LicenseRow) -> None:
    mig = request(client, server_license)
    error(client.get("/v1/migrations"), 401, "UNAUTHENTICATED")
    error(client.get(f"/v1/migrations/{mig['id']}"), 401, "UNAUTHENTICATED")
    error(client.post(f"/v1/migrations/{mig['id']}/complete", json={"sen": "SEN-1"}), 401,
          "UNAUTHENTICATED")
    error(client.post(f"/v1/migrations/{mig['id']}/reject", json={"reason": "x"}), 401,
          "UNAUTHENTICATED")


def test_unknown_request(client: TestClient, admin: dict[str, str]) -> None:
    error(client.get("/v1/migrations/mig_nope", headers=admin), 404, "MIGRATION_NOT_FOUND")
    error(client.post("/v1/migrations/mig_nope/complete", json={"sen": "SEN-1"}, headers=admin),
          404, "MIGRATION_NOT_FOUND")


def test_list_is_paginated_oldest_first_and_filtered(client: TestClient, ctx: Context,
                                                     admin: dict[str, str]) -> None:
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    ids = []
    for i in range(5):
        client.put("/v1/sandbox/clock", json={"now": (start + timedelta(hours=i)).isoformat()},
                   headers=admin)
        lic = create_license(ctx, product="jira-server", seats=10, license_name=f"Org {i}")
        ids.append(request(client, lic)["id"])
    # Two requests in the same instant still page in a stable order (by id).
    lic = create_license(ctx, product="jira-server", seats=10, license_name="Org 5")
    ids.append(request(client, lic)["id"])
    ids[4:] = sorted(ids[4:])
    client.post(f"/v1/migrations/{ids[1]}/complete", json={"sen": "SEN-A1"}, headers=admin)
    client.post(f"/v1/migrations/{ids[2]}/reject", json={"reason": "duplicate"}, headers=admin)

    seen, cursor = [], None
    while True:
        params: dict[str, object] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/migrations", params=params, headers=admin).json()
        seen += [m["id"] for m in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [ids[0], ids[3], ids[4], ids[5]]  # open ones by default

    def listed(status: str) -> list[str]:
        return [m["id"] for m in client.get("/v1/migrations", params={"status": status},
                                            headers=admin).json()["data"]]
    assert listed("completed") == [ids[1]]
    assert listed("rejected") == [ids[2]]
    assert listed("pending") == [ids[0], ids[3], ids[4], ids[5]]
    assert listed("all") == ids
    err = error(client.get("/v1/migrations", params={"status": "nope"}, headers=admin), 422,
                "INVALID_REQUEST")
    assert err["details"]["field"] == "status"
    err = error(client.get("/v1/migrations", params={"cursor": "garbage!"}, headers=admin), 422,
                "INVALID_REQUEST")
    assert err["details"]["field"] == "cursor"
    error(client.get("/v1/migrations", params={"limit": 0}, headers=admin), 422,
          "INVALID_REQUEST")
