"""The S3 artifact store, against a local S3 stand-in (moto's server on a free port): uploads
land in the bucket, downloads redirect to a presigned address valid at most an hour."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from licensor.app import create_app
from licensor.core.context import Context, build_context
from tests.builders import create_license, license_info
from tests.conftest import make_settings
from tests.core.server import free_port
from tests.releases.helpers import put_release, random_bytes, upload

BUCKET = "licensor-artifacts"


@pytest.fixture
def s3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto's S3 server, with a bucket; yields its address."""
    for name, value in (("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "moto.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                "-p", str(port)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base, timeout=1)
                break
            except httpx.HTTPError:
                assert process.poll() is None and time.monotonic() < deadline, \
                    (tmp_path / "moto.log").read_text()
                time.sleep(0.1)
        import boto3

        boto3.client("s3", endpoint_url=base).create_bucket(Bucket=BUCKET)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_uploads_go_to_s3_and_downloads_redirect_there(ctx: Context, s3: str) -> None:
    settings = make_settings(ctx.settings.home, ctx.db.url, artifacts=f"s3://{BUCKET}/releases",
                             s3_endpoint_url=s3)
    on_s3 = build_context(settings, db=ctx.db)
    data = random_bytes(3 * 1024 * 1024)
    with TestClient(create_app(on_s3, run_prepare=False)) as client:
        put_release(client, "desktop", "3.9.0", "2030-01-01T00:00:00Z")
        artifact = upload(client, "desktop", "3.9.0", "macos", data, "Mockups.dmg")
        assert artifact["sha256"] == hashlib.sha256(data).hexdigest()
        offer = client.post("/v1/downloads", json={
            **license_info(create_license(ctx, product="desktop")), "platform": "macos"}).json()
        r = client.get(offer["url"], follow_redirects=False)
    assert r.status_code == 307
    location = r.headers["location"]
    assert location.startswith(s3) and f"/{BUCKET}/releases/desktop/3.9.0/macos/" in location
    query = parse_qs(urlsplit(location).query)
    expires = int((query.get("X-Amz-Expires") or query["Expires"])[0])
    assert expires <= 3600 or expires - time.time() <= 3600
    fetched = httpx.get(location, timeout=30)
    assert fetched.status_code == 200 and fetched.content == data
    assert not list((Path(ctx.settings.home) / "uploads").iterdir())  # the spool file is gone
