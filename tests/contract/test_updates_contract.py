"""The releases, updates and sandbox contract, black-box over HTTP."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.contract.helpers import advance, err, info, is_time, new_license, outbox

CHECK_FIELDS = {"version", "allowed", "reason", "latest_allowed", "latest", "maintenance_until"}


def put_release(client: TestClient, admin: dict[str, str], product: str, version: str,
                at: str) -> Any:
    return client.put(f"/v1/products/{product}/releases/{version}", json={"released_at": at},
                      headers=admin)


def check(client: TestClient, lic: dict[str, Any], version: str) -> dict[str, Any]:
    r = client.post("/v1/updates/check", json={**info(lic), "version": version})
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    assert CHECK_FIELDS <= set(answer)
    assert answer["reason"] in ("ALLOWED", "MAINTENANCE_EXPIRED", "MAJOR_UPGRADE_REQUIRED",
                                "UNKNOWN_VERSION")
    assert isinstance(answer["allowed"], bool)
    assert answer["allowed"] == (answer["reason"] == "ALLOWED")
    return answer


def test_releases_put_and_list(client: TestClient, admin: dict[str, str]) -> None:
    r = put_release(client, admin, "confluence-server", "9.0.0", "2030-01-01T02:00:00+02:00")
    assert r.status_code in (200, 201), r.text
    assert r.json()["version"] == "9.0.0" and r.json()["released_at"] == "2030-01-01T00:00:00Z"
    again = put_release(client, admin, "confluence-server", "9.0.0", "2030-02-01T00:00:00Z")
    assert again.status_code == 200 and again.json()["released_at"] == "2030-02-01T00:00:00Z"
    listed = client.get("/v1/products/confluence-server/releases")
    assert listed.status_code == 200
    rows = listed.json()["data"]
    assert all({"version", "released_at"} <= set(x) and is_time(x["released_at"]) for x in rows)
    assert [x for x in rows if x["version"] == "9.0.0"] == [again.json()] or any(
        x["version"] == "9.0.0" and x["released_at"] == "2030-02-01T00:00:00Z" for x in rows)
    assert err(client.get("/v1/products/nope/releases"))[0] == 404
    assert err(put_release(client, admin, "nope", "1.0.0", "2030-01-01T00:00:00Z"))[0] == 404
    bad = put_release(client, admin, "desktop", "3.9.0", "yesterday")
    assert err(bad) == (422, "INVALID_REQUEST")
    assert bad.json()["error"]["details"]["field"] == "released_at"


def test_update_check_every_reason(client: TestClient, admin: dict[str, str]) -> None:
    assert client.put("/v1/sandbox/clock", json={"now": "2031-01-01T00:00:00Z"},
                      headers=admin).status_code == 200
    put_release(client, admin, "confluence-server", "20.0.0", "2031-06-01T00:00:00Z")
    put_release(client, admin, "confluence-server", "20.1.0", "2032-06-01T00:00:00Z")
    server = new_license(client, admin, product="confluence-server", seats=10)
    assert server["maintenance_until"] == "2032-01-01T00:00:00Z"
    ok = check(client, server, "20.0.0")
    assert ok["reason"] == "ALLOWED" and ok["version"] == "20.0.0"
    assert ok["latest_allowed"] == "20.0.0" and ok["latest"] == "20.1.0"
    assert ok["maintenance_until"] == server["maintenance_until"]
    late = check(client, server, "20.1.0")
    assert late["reason"] == "MAINTENANCE_EXPIRED" and late["latest_allowed"] == "20.0.0"
    unknown = check(client, server, "99.0.0")
    assert unknown["reason"] == "UNKNOWN_VERSION" and unknown["allowed"] is False

    put_release(client, admin, "desktop", "4.0.0", "2031-03-01T00:00:00Z")
    desktop = new_license(client, admin, seats=1)
    assert check(client, desktop, "3.0.0")["reason"] == "ALLOWED"
    major = check(client, desktop, "4.0.0")
    assert major["reason"] == "MAJOR_UPGRADE_REQUIRED" and major["latest"] >= "4.0.0"
    assert major["latest_allowed"].startswith("3.") and major["maintenance_until"] is None

    bad = client.post("/v1/updates/check", json={"license_name": "X", "license_key": "nope",
                                                 "version": "3.0.0"})
    assert err(bad) == (422, "INVALID_LICENSE")


def test_sandbox_clock_and_outbox(client: TestClient, admin: dict[str, str]) -> None:
    now = client.get("/v1/sandbox/clock")
    assert now.status_code == 200 and is_time(now.json()["now"])
    r = client.put("/v1/sandbox/clock", json={"now": "2030-05-01T10:00:00Z"}, headers=admin)
    assert r.status_code == 200
    assert client.get("/v1/sandbox/clock").json()["now"] == "2030-05-01T10:00:00Z"
    assert client.get("/v1/sandbox/clock").json()["now"] == "2030-05-01T10:00:00Z"  # frozen
    r = client.put("/v1/sandbox/clock", json={"now": "2030-05-01T12:00:00+02:00"}, headers=admin)
    assert client.get("/v1/sandbox/clock").json()["now"] == "2030-05-01T10:00:00Z"  # UTC
    advance(client, admin, 1)
    assert client.get("/v1/sandbox/clock").json()["now"] == "2030-05-02T10:00:00Z"
    bad = client.post("/v1/sandbox/clock/advance", json={"seconds": -5}, headers=admin)
    assert err(bad) == (422, "INVALID_REQUEST")
    assert err(client.put("/v1/sandbox/clock", json={"now": "2030-05-01T10:00:00"},
                          headers=admin)) == (422, "INVALID_REQUEST")  # no offset: ambiguous

    new_license(client, admin, email="box@acme.test")
    client.post("/v1/licenses/lost-key", json={"email": "box@acme.test"})
    mails = outbox(client, admin, "box@acme.test")
    assert len(mails) == 1
    m = mails[0]
    assert {"to", "subject", "body", "sent_at"} <= set(m)
    assert m["to"] == "box@acme.test" and m["subject"] and m["body"]
    assert is_time(m["sent_at"]) and m["sent_at"] == "2030-05-02T10:00:00Z"
    everything = client.get("/v1/sandbox/outbox", headers=admin).json()["data"]
    assert m in everything


def test_sandbox_is_404_outside_sandbox_mode(ctx: Any, admin: dict[str, str]) -> None:
    from dataclasses import replace

    from licensor.app import create_app
    from licensor.core.context import build_context

    settings = ctx.settings.model_copy(update={"sandbox": False}) if hasattr(
        ctx.settings, "model_copy") else replace(ctx.settings, sandbox=False)
    app = create_app(build_context(settings, db=ctx.db), run_prepare=False)
    with TestClient(app, raise_server_exceptions=False) as live:
        assert err(live.get("/v1/sandbox/clock")) == (404, "NOT_FOUND")
        assert err(live.get("/v1/sandbox/outbox", headers=admin)) == (404, "NOT_FOUND")
        assert err(live.post("/v1/sandbox/clock/advance", json={"seconds": 1},
                             headers=admin)) == (404, "NOT_FOUND")
