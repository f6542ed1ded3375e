"""Releases: admin create-or-replace, public list in semantic order, the default history."""

from __future__ import annotations

from fastapi.testclient import TestClient

from licensor.core.context import Context
from licensor.maintenance.service import load_default_releases


def test_default_catalog_ships_a_release_history(client: TestClient) -> None:
    data = client.get("/v1/products/desktop/releases").json()["data"]
    versions = [r["version"] for r in data]
    assert versions[0] == "3.0.0" and data[0]["released_at"].startswith("2015-03")
    assert "4.0.0" in versions and versions.index("3.5.10") > versions.index("3.5.9")
    for product in ("confluence-server", "jira-server"):
        versions = [r["version"] for r in
                    client.get(f"/v1/products/{product}/releases").json()["data"]]
        assert versions.index("3.10.0") == versions.index("3.9.0") + 1


def test_default_history_loads_only_once(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        assert load_default_releases(session, ctx.clock.now(session)) == 0


def test_admin_creates_then_replaces_a_release(client: TestClient, admin: dict) -> None:
    r = client.put("/v1/products/jira-server/releases/3.11.0",
                   json={"released_at": "2018-06-01T09:00:00Z"}, headers=admin)
    assert r.status_code == 201, r.text
    assert r.json() == {"product": "jira-server", "version": "3.11.0",
                        "released_at": "2018-06-01T09:00:00Z", "channel": "stable",
                        "notes": "", "artifacts": []}
    r = client.put("/v1/products/jira-server/releases/3.11.0",
                   json={"released_at": "2018-06-02T09:00:00+02:00"}, headers=admin)
    assert r.status_code == 200 and r.json()["released_at"] == "2018-06-02T07:00:00Z"
    versions = [x["version"] for x in
                client.get("/v1/products/jira-server/releases").json()["data"]]
    assert versions.count("3.11.0") == 1
    assert versions.index("3.11.0") == versions.index("3.10.0") + 1


def test_releases_need_an_admin(client: TestClient) -> None:
    r = client.put("/v1/products/desktop/releases/3.6.0",
                   json={"released_at": "2018-06-01T09:00:00Z"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "UNAUTHENTICATED"


def test_invalid_version_is_422(client: TestClient, admin: dict) -> None:
    r = client.put("/v1/products/desktop/releases/3.x",
                   json={"released_at": "2018-06-01T09:00:00Z"}, headers=admin)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "INVALID_VERSION" and "MAJOR.MINOR.PATCH" in error["message"]


def test_release_needs_an_aware_time(client: TestClient, admin: dict) -> None:
    r = client.put("/v1/products/desktop/releases/3.6.0",
                   json={"released_at": "2018-06-01T09:00:00"}, headers=admin)
    assert r.status_code == 422 and r.json()["error"]["code"] == "INVALID_REQUEST"


def test_unknown_and_non_perpetual_products(client: TestClient, admin: dict) -> None:
    r = client.get("/v1/products/nope/releases")
    assert r.status_code == 404 and r.json()["error"]["code"] == "UNKNOWN_PRODUCT"
    r = client.put("/v1/products/mybalsamiq/releases/1.0.0",
                   json={"released_at": "2018-06-01T09:00:00Z"}, headers=admin)
    assert r.status_code == 409 and r.json()["error"]["code"] == "PRODUCT_NOT_PERPETUAL"


def test_releases_are_paginated_in_version_order(client: TestClient) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/products/desktop/releases", params=params).json()
        seen += [r["version"] for r in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    everything = [r["version"] for r in
                  client.get("/v1/products/desktop/releases").json()["data"]]
    assert seen == everything and len(seen) > 5
    r = client.get("/v1/products/desktop/releases", params={"limit": 0})
    assert r.status_code == 422 and r.json()["error"]["code"] == "INVALID_REQUEST"
    r = client.get("/v1/products/desktop/releases", params={"cursor": "bad"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "INVALID_VERSION"
