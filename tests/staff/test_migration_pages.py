"""The console's migrations: open requests oldest first, Complete with a SEN, Reject with a
reason; refusals next to their field; support sees no buttons and is refused."""

from __future__ import annotations

from fastapi.testclient import TestClient

from licensor.core.context import Context
from tests.builders import create_license
from tests.conftest import ADMIN
from tests.marketplace.helpers import migration_body
from tests.portal.helpers import field_error
from tests.staff.helpers import console_post, log_in


def _request(client: TestClient, ctx: Context, organisation: str) -> dict[str, str]:
    lic = create_license(ctx, product="confluence-server", seats=25,
                         email=f"{organisation.lower()}@acme.test")
    r = client.post("/v1/migrations", json=migration_body(lic, organisation=organisation))
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_open_requests_oldest_first_and_complete_with_a_sen(client: TestClient,
                                                            ctx: Context) -> None:
    member = log_in(client)
    client.put("/v1/sandbox/clock", json={"now": "2026-05-01T09:00:00Z"}, headers=ADMIN)
    first = _request(client, ctx, "Alpha")
    client.put("/v1/sandbox/clock", json={"now": "2026-05-02T09:00:00Z"}, headers=ADMIN)
    second = _request(client, ctx, "Beta")
    listing = client.get("/admin/migrations").text
    assert listing.index(first["id"]) < listing.index(second["id"])
    path = f"/admin/migrations/{first['id']}"
    page = client.get(path).text
    assert 'for="sen">SEN<' in page and ">Complete</button>" in page
    assert ">Reject</button>" in page
    bad = console_post(client, path + "/complete", {"sen": "SEN L1 with spaces"}, path)
    assert bad.status_code == 422 and field_error(bad.text, "sen")
    done = console_post(client, path + "/complete", {"sen": "SEN-L7654321", "confirmed": "yes"},
                        path)
    assert done.status_code == 303
    api = client.get(f"/v1/migrations/{first['id']}", headers=ADMIN).json()
    assert api["status"] == "completed" and api["sen"] == "SEN-L7654321"
    taken = console_post(client, f"/admin/migrations/{second['id']}/complete",
                         {"sen": "SEN-L7654321", "confirmed": "yes"},
                         f"/admin/migrations/{second['id']}")
    assert taken.status_code == 409 and "already belongs" in (field_error(taken.text, "sen")
                                                              or "")
    assert first["id"] not in client.get("/admin/migrations").text
    audit = client.get(f"/admin/audit?entity_id={first['id']}").text
    assert "migration.completed" in audit and f"staff:{member['email']}" in audit


def test_reject_needs_a_reason(client: TestClient, ctx: Context) -> None:
    log_in(client)
    mig = _request(client, ctx, "Gamma")
    path = f"/admin/migrations/{mig['id']}"
    empty = console_post(client, path + "/reject", {"reason": ""}, path)
    assert empty.status_code == 422 and field_error(empty.text, "reason")
    done = console_post(client, path + "/reject", {"reason": "Cloud hosting", "confirmed": "yes"},
                        path)
    assert done.status_code == 303
    api = client.get(f"/v1/migrations/{mig['id']}", headers=ADMIN).json()
    assert api["status"] == "rejected" and api["reason"] == "Cloud hosting"


def test_support_cannot_complete_or_reject(client: TestClient, ctx: Context) -> None:
    log_in(client, "support")
    mig = _request(client, ctx, "Delta")
    path = f"/admin/migrations/{mig['id']}"
    page = client.get(path).text
    assert ">Complete</button>" not in page and ">Reject</button>" not in page
    r = console_post(client, path + "/complete", {"sen": "SEN-L1111111"}, path)
    assert r.status_code == 403 and "FORBIDDEN" in r.text
    assert client.get(f"/v1/migrations/{mig['id']}", headers=ADMIN).json()["status"] == "pending"
