"""The portal's /downloads and license file, and the console's /admin/releases, through the
real app (the browser flows are in test_browser.py)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from licensor.core.context import Context
from licensor.verify import verify_license_file
from tests.builders import create_license
from tests.portal.helpers import csrf, field_error, post
from tests.releases.helpers import put_release, upload
from tests.staff.helpers import log_in

END = datetime(2030, 6, 1, tzinfo=UTC)


def test_downloads_lists_every_release_and_serves_the_allowed(client: TestClient,
                                                               ctx: Context) -> None:
    for version, at in (("9.0.0", END - timedelta(days=10)), ("9.1.0", END + timedelta(days=1))):
        put_release(client, "confluence-server", version, at.isoformat())
        upload(client, "confluence-server", version, "linux", version.encode() * 1000,
               f"plugin-{version}.jar")
    row = create_license(ctx, product="confluence-server", seats=10, maintenance_until=END)
    info = {"license_name": "Acme Inc",
            "license_key": "\n" + row.license_key.lower().replace("-", " ") + "\n"}
    page = post(client, "/downloads", info)
    assert page.status_code == 200, page.text
    html = page.text
    assert html.index("9.1.0") < html.index("9.0.0")  # newest first
    assert 'aria-label="Download 9.0.0 for linux"' in html
    assert 'aria-label="Download 9.1.0 for linux"' not in html
    assert "Renew maintenance" in html and "5.0 kB" in html
    assert "/v1/" not in html
    got = post(client, "/downloads/file", {**info, "version": "9.0.0", "platform": "linux"},
               token_from="/downloads", follow_redirects=False)
    assert got.status_code == 303
    assert client.get(got.headers["location"]).content == b"9.0.0" * 1000
    refused = post(client, "/downloads/file", {**info, "version": "9.1.0",
                                               "platform": "linux"}, token_from="/downloads")
    assert refused.status_code == 403 and "maintenance ended" in refused.text
    wrong = post(client, "/downloads", {**info, "license_name": "Someone"})
    assert wrong.status_code == 422 and field_error(wrong.text, "license_key")


def test_the_license_page_offers_a_license_file(client: TestClient, ctx: Context) -> None:
    row = create_license(ctx, product="desktop")
    info = {"license_name": row.license_name, "license_key": row.license_key}
    page = post(client, "/license", info)
    assert "Download license file" in page.text and "Machine fingerprint" in page.text
    got = post(client, "/license/file", {**info, "fingerprint": " pc-42 "}, token_from="/license")
    assert got.status_code == 200 and "attachment" in got.headers["content-disposition"]
    keys = client.get("/v1/signing-keys").json()
    check = verify_license_file(got.text, keys, fingerprint="pc-42")
    assert check.code == "VALID" and check.license and check.license["id"] == row.id
    plain = post(client, "/license/file", {**info, "fingerprint": ""}, token_from="/license")
    assert json.loads(plain.text)["alg"] == "ed25519"
    assert verify_license_file(plain.text, keys).code == "VALID"
    bad = post(client, "/license/file", {**info, "fingerprint": "x" * 300},
               token_from="/license")
    assert bad.status_code == 422 and field_error(bad.text, "fingerprint")
    bad_key = post(client, "/license/file", {**info, "license_name": "Other"},
                   token_from="/license")
    assert bad_key.status_code == 422 and field_error(bad_key.text, "license_key")


def test_the_console_uploads_and_counts_downloads(client: TestClient, ctx: Context) -> None:
    log_in(client, "admin")
    token = csrf(client, "/admin/releases?product=desktop")
    saved = client.post("/admin/releases", data={
        "csrf_token": token, "product": "desktop", "version": "3.9.0",
        "released_at": "2030-01-01", "channel": "stable", "notes": "Dark mode"},
        follow_redirects=False)
    assert saved.status_code == 303, saved.text
    data = b"\x00\x01binary" * 300_000  # 2.4 MB, past the JSON body limit
    uploaded = client.post("/admin/releases/upload", data={
        "csrf_token": token, "product": "desktop", "upload_version": "3.9.0",
        "platform": "macos"}, files={"file": ("Mockups-3.9.0.dmg", data)},
        follow_redirects=False)
    assert uploaded.status_code == 303, uploaded.text
    offer = client.post("/v1/downloads", json={
        "license_name": "Acme Inc", "license_key": create_license(ctx).license_key,
        "platform": "macos"}).json()
    assert offer["filename"] == "Mockups-3.9.0.dmg" and offer["size"] == len(data)
    assert client.get(offer["url"]).content == data
    page = client.get("/admin/releases?product=desktop").text
    row = re.search(r'<tr data-version="3.9.0">.*?</tr>', page, re.DOTALL)
    assert row and "Dark mode" in row.group(0) and "Mockups-3.9.0.dmg" in row.group(0)
    assert re.search(r'class="count" data-platform="macos">1<', row.group(0))
    refused = client.post("/admin/releases/upload", data={
        "csrf_token": token, "product": "desktop", "upload_version": "3.9.0",
        "platform": "Mac OS"}, files={"file": ("a.dmg", b"x")})
    assert refused.status_code == 422 and field_error(refused.text, "platform")
    forged = client.post("/admin/releases/upload", data={
        "csrf_token": "nope", "product": "desktop", "upload_version": "3.9.0",
        "platform": "macos"}, files={"file": ("a.dmg", b"x")})
    assert forged.status_code == 403


def test_support_staff_see_releases_but_do_not_upload(client: TestClient) -> None:
    log_in(client, "support")
    page = client.get("/admin/releases")
    assert page.status_code == 200 and "Upload" not in page.text
    r = client.post("/admin/releases/upload", data={"csrf_token": csrf(client,
                                                                       "/admin/releases")},
                    files={"file": ("a.dmg", b"x")})
    assert r.status_code == 403
