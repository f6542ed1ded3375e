"""Downloads: the same rule as the update check decides; links are HMAC-signed, expire in real
time, serve ranges, ETag and HEAD, and count downloads."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from licensor.core.context import Context
from licensor.releases import service as releases
from licensor.releases.repository import ArtifactRepository
from tests.builders import create_license, license_info
from tests.orders.helpers import buy
from tests.releases.helpers import put_release, upload

END = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)  # a server license's maintenance end


def ask(client: TestClient, row: Any, platform: str = "linux", **extra: Any) -> Any:
    return client.post("/v1/downloads", json={**license_info(row), "platform": platform,
                                              **extra})


def error(r: Any) -> tuple[int, str]:
    return r.status_code, r.json()["error"]["code"]


@pytest.fixture
def server_files(client: TestClient) -> None:
    """confluence-server releases on both sides of END, each with a linux file."""
    for version, at, channel in (("9.0.0", END - timedelta(days=30), "stable"),
                                 ("9.1.0", END, "stable"),  # on the end instant: covered
                                 ("9.1.1", END + timedelta(seconds=1), "stable"),
                                 ("9.2.0-beta.1", END - timedelta(days=1), "beta")):
        put_release(client, "confluence-server", version, at.isoformat(), channel=channel)
        upload(client, "confluence-server", version, "linux", f"build {version}".encode())


def test_server_plugins_download_what_was_published_while_maintenance_ran(
        client: TestClient, ctx: Context, server_files: None) -> None:
    row = create_license(ctx, product="confluence-server", seats=10, maintenance_until=END)
    newest = ask(client, row)
    assert newest.status_code == 200, newest.text
    assert newest.json()["version"] == "9.1.0"  # 9.1.1 came a second too late; beta not asked
    assert ask(client, row, version="9.0.0").json()["version"] == "9.0.0"
    assert ask(client, row, channel="beta").json()["version"] == "9.2.0-beta.1"
    late = ask(client, row, version="9.1.1")
    assert error(late) == (403, "DOWNLOAD_NOT_ALLOWED")
    assert late.json()["error"]["details"] == {"reason": "MAINTENANCE_EXPIRED",
                                               "latest_allowed": "9.1.0"}
    # The update check answers the same for every release: one rule.
    for version, allowed in (("9.1.0", True), ("9.1.1", False)):
        check = client.post("/v1/updates/check", json={**license_info(row), "version": version})
        assert check.json()["allowed"] is allowed
    expired = create_license(ctx, product="confluence-server", seats=10,
                             license_name="Late Co", maintenance_until=END - timedelta(days=60))
    refused = ask(client, expired)
    assert error(refused) == (403, "DOWNLOAD_NOT_ALLOWED")
    assert refused.json()["error"]["details"]["reason"] == "MAINTENANCE_EXPIRED"


def test_desktop_downloads_every_release_of_its_major_version(client: TestClient,
                                                              ctx: Context) -> None:
    for version, at in (("3.9.0", "2030-01-01T00:00:00Z"), ("4.2.0", "2030-02-01T00:00:00Z")):
        put_release(client, "desktop", version, at)
        upload(client, "desktop", version, "windows-x64", version.encode())
    row = create_license(ctx, product="desktop")  # a Mockups 3 license
    assert ask(client, row, "windows-x64").json()["version"] == "3.9.0"
    four = ask(client, row, "windows-x64", version="4.2.0")
    assert error(four) == (403, "DOWNLOAD_NOT_ALLOWED")
    assert four.json()["error"]["details"] == {"reason": "MAJOR_UPGRADE_REQUIRED",
                                               "latest_allowed": "3.9.0"}


def test_unknown_version_platform_and_bad_licenses(client: TestClient, ctx: Context,
                                                   server_files: None) -> None:
    row = create_license(ctx, product="confluence-server", seats=10, maintenance_until=END)
    assert error(ask(client, row, version="9.9.9")) == (404, "UNKNOWN_VERSION")
    assert error(ask(client, row, "windows-x64")) == (404, "UNKNOWN_PLATFORM")
    assert error(ask(client, row, "windows-x64", version="9.0.0")) == (404, "UNKNOWN_PLATFORM")
    assert error(ask(client, row, "Linux!")) == (422, "INVALID_REQUEST")
    wrong = client.post("/v1/downloads", json={"license_name": "Someone Else",
                                               "license_key": row.license_key,
                                               "platform": "linux"})
    assert error(wrong) == (422, "INVALID_LICENSE")
    client.post(f"/v1/licenses/{row.id}/revoke", json={"reason": "chargeback"},
                headers={"Authorization": "Bearer test-admin-token"})
    assert error(ask(client, row)) == (409, "LICENSE_REVOKED")


def test_a_link_serves_the_bytes_ranges_etag_and_head(client: TestClient, ctx: Context) -> None:
    data = bytes(range(256)) * 4096  # 1 MiB
    put_release(client, "desktop", "3.9.0", "2030-01-01T00:00:00Z")
    upload(client, "desktop", "3.9.0", "linux", data, "mockups.tar.gz")
    offer = ask(client, create_license(ctx, product="desktop")).json()
    expires = datetime.fromisoformat(offer["expires_at"])
    assert timedelta(minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=1)
    whole = client.get(offer["url"])
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["content-length"] == str(len(data))
    assert whole.headers["etag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    assert whole.headers["accept-ranges"] == "bytes"
    assert "mockups.tar.gz" in whole.headers["content-disposition"]
    part = client.get(offer["url"], headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.content == data[1000:2000]
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(data)}"
    head = client.head(offer["url"])
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(data))
    with ctx.db.reader() as session:  # the full download counted; the range and HEAD not
        assert ArtifactRepository(session).get("desktop", "3.9.0", "linux").downloads == 1  # type: ignore[union-attr]


def test_a_file_removed_from_the_directory_store_is_404_not_a_crash(
        client: TestClient, ctx: Context) -> None:
    put_release(client, "desktop", "3.9.0", "2030-01-01T00:00:00Z")
    upload(client, "desktop", "3.9.0", "linux", b"file")
    offer = ask(client, create_license(ctx, product="desktop")).json()
    with ctx.db.reader() as session:
        row = ArtifactRepository(session).get("desktop", "3.9.0", "linux")
        assert row is not None
        path = releases.store(ctx.settings).local_path(row.storage_key)
    assert path is not None
    path.unlink()  # removed by hand
    assert error(client.get(offer["url"])) == (404, "NOT_FOUND")


def test_expired_and_forged_links(client: TestClient, ctx: Context) -> None:
    put_release(client, "desktop", "3.9.0", "2030-01-01T00:00:00Z")
    upload(client, "desktop", "3.9.0", "linux", b"file")
    offer = ask(client, create_license(ctx, product="desktop")).json()
    with ctx.db.reader() as session:
        row = ArtifactRepository(session).get("desktop", "3.9.0", "linux")
        assert row is not None
        old_path, _ = releases.link(ctx, row, datetime.now(UTC) - timedelta(hours=1, seconds=5))
    assert error(client.get(old_path)) == (410, "DOWNLOAD_LINK_EXPIRED")
    url = urlsplit(offer["url"])
    query = dict(p.split("=") for p in url.query.split("&"))
    forged_mac = "0" * 64
    for path in (f"{url.path}?expires={query['expires']}&signature={forged_mac}",
                 (f"{url.path}?expires={int(query['expires']) + 3600}&"
                 f"signature={query['signature']}"),
                 url.path.replace("linux", "macos") + "?" + url.query,
                 old_path.split("&signature=")[0] + f"&signature={forged_mac}"):
        assert error(client.get(path)) == (404, "NOT_FOUND"), path
    # Replacing the file ends the links made for the old one.
    upload(client, "desktop", "3.9.0", "linux", b"rebuilt", status=200)
    assert client.get(offer["url"]).status_code == 404


def test_the_sandbox_clock_does_not_move_a_link(client: TestClient, ctx: Context) -> None:
    put_release(client, "desktop", "3.9.0", "2030-01-01T00:00:00Z")
    upload(client, "desktop", "3.9.0", "linux", b"file")
    offer = ask(client, create_license(ctx, product="desktop")).json()
    admin = {"Authorization": "Bearer test-admin-token"}
    assert client.post("/v1/sandbox/clock/advance", json={"seconds": 86400 * 30},
                       headers=admin).status_code == 200
    assert client.get(offer["url"]).status_code == 200


def test_a_replaced_key_downloads_for_the_license_that_stands(client: TestClient,
                                                              ctx: Context) -> None:
    put_release(client, "desktop", "3.9.0", "2030-01-01T00:00:00Z")
    upload(client, "desktop", "3.9.0", "linux", b"file")
    row = create_license(ctx, product="desktop", seats=1)
    [new] = buy(client, kind="upgrade", seats=5, **license_info(row))["licenses"]
    offer = ask(client, row)  # the old key, as an app that has not been given the new one
    assert offer.status_code == 200 and offer.json()["version"] == "3.9.0"
    assert new["supersedes"] == row.id
