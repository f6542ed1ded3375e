"""Artifact uploads: raw bytes streamed to the store, with size, SHA-256 and a signature by the
published signing key; the JSON body limit does not apply to them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from fastapi.testclient import TestClient

from licensor.app import create_app
from licensor.core.context import Context, build_context
from tests.conftest import ADMIN, make_settings
from tests.releases.helpers import put_release, random_bytes, signature_holds, upload

MIB = 1024 * 1024


def test_a_3_mib_upload_is_kept_with_its_digest_and_signature(client: TestClient,
                                                               ctx: Context) -> None:
    put_release(client, "desktop", "3.6.0", "2026-01-10T00:00:00Z", notes="Faster start-up.")
    data = random_bytes(3 * MIB)  # three times the JSON body limit
    artifact = upload(client, "desktop", "3.6.0", "windows-x64", data, "Mockups-3.6.0.exe")
    assert artifact["size"] == len(data)
    assert artifact["sha256"] == hashlib.sha256(data).hexdigest()
    assert artifact["filename"] == "Mockups-3.6.0.exe" and artifact["platform"] == "windows-x64"
    assert signature_holds(client, artifact, data)
    assert not signature_holds(client, {**artifact, "platform": "macos"}, data)
    stored = list((Path(ctx.settings.home) / "artifacts").rglob("Mockups-3.6.0.exe"))
    assert len(stored) == 1 and stored[0].read_bytes() == data
    assert not any((Path(ctx.settings.home) / "artifacts" / ".incoming").iterdir())
    releases = client.get("/v1/products/desktop/releases").json()["data"]
    listed = next(r for r in releases if r["version"] == "3.6.0")
    assert listed["notes"] == "Faster start-up." and listed["channel"] == "stable"
    assert listed["artifacts"] == [artifact]


def test_a_new_file_for_the_same_platform_replaces_the_old(client: TestClient) -> None:
    put_release(client, "desktop", "3.6.0", "2026-01-10T00:00:00Z")
    upload(client, "desktop", "3.6.0", "linux", b"first build")
    again = upload(client, "desktop", "3.6.0", "linux", b"second build", status=200)
    assert again["sha256"] == hashlib.sha256(b"second build").hexdigest()
    release = client.put("/v1/products/desktop/releases/3.6.0", headers=ADMIN,
                         json={"released_at": "2026-01-10T00:00:00Z"}).json()
    assert [a["sha256"] for a in release["artifacts"]] == [again["sha256"]]


def test_refusals_name_what_to_fix(client: TestClient) -> None:
    put_release(client, "desktop", "3.6.0", "2026-01-10T00:00:00Z")
    url = "/v1/products/desktop/releases/{v}/artifacts/{p}"
    for version, platform, filename, status, code in (
            ("3.6.0", "Windows", "a.exe", 422, "INVALID_REQUEST"),
            ("3.6.0", "linux", "../etc/passwd", 422, "INVALID_REQUEST"),
            ("3.6.1", "linux", "a.bin", 404, "UNKNOWN_VERSION"),
            ("three", "linux", "a.bin", 422, "INVALID_VERSION")):
        r = client.put(url.format(v=version, p=platform), params={"filename": filename},
                       content=b"x", headers=ADMIN)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), r.text
    r = client.put(url.format(v="3.6.0", p="linux"), params={"filename": "a.bin"}, content=b"x")
    assert r.status_code == 401
    r = client.put(url.format(v="3.6.0", p="linux"), content=b"x", headers=ADMIN)
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "filename"


def test_a_file_past_the_artifact_limit_is_refused(ctx: Context, tmp_path: Path) -> None:
    small = build_context(make_settings(ctx.settings.home, ctx.db.url, max_artifact_bytes=MIB),
                          db=ctx.db)
    with TestClient(create_app(small, run_prepare=False)) as client:
        put_release(client, "desktop", "3.6.0", "2026-01-10T00:00:00Z")
        r = client.put("/v1/products/desktop/releases/3.6.0/artifacts/linux",
                       params={"filename": "a.bin"}, content=random_bytes(MIB + 1),
                       headers=ADMIN)
        assert r.status_code == 413 and r.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
            for _ in range(3):
                yield random_bytes(MIB // 2)
        r = client.put("/v1/products/desktop/releases/3.6.0/artifacts/linux",
                       params={"filename": "a.bin"}, content=chunks(), headers=ADMIN)
        assert r.status_code == 413, r.text
        listed = client.get("/v1/products/desktop/releases").json()["data"]
        assert next(r for r in listed if r["version"] == "3.6.0")["artifacts"] == []
    assert not any((Path(ctx.settings.home) / "artifacts" / ".incoming").iterdir())


def test_the_json_body_limit_still_holds_elsewhere(client: TestClient) -> None:
    r = client.put("/v1/products/desktop/releases/3.6.0", headers=ADMIN,
                   content=b"{" + b" " * (2 * MIB) + b"}")
    assert r.status_code == 413
