"""`licensor releases upload`: into this installation's store, or to a running server."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import httpx
import pytest

from licensor.core.context import Context
from tests.conftest import ADMIN_TOKEN, Run
from tests.core.server import running_server
from tests.releases.helpers import random_bytes


def test_upload_into_this_installations_store(cli: Run, ctx: Context, tmp_path: Path) -> None:
    cli("releases", "add", "desktop", "3.9.0", "--released-at", "2030-01-01", "--channel",
        "beta", "--notes", "Try it")
    data = random_bytes(2 * 1024 * 1024 + 7)
    file = tmp_path / "Mockups-3.9.0.exe"
    file.write_bytes(data)
    artifact = json.loads(cli("releases", "upload", "desktop", "3.9.0", "windows-x64",
                              str(file)))
    assert artifact["created"] is True and artifact["size"] == len(data)
    assert artifact["sha256"] == hashlib.sha256(data).hexdigest()
    assert artifact["filename"] == "Mockups-3.9.0.exe"
    kept = list((Path(ctx.settings.home) / "artifacts").rglob("Mockups-3.9.0.exe"))
    assert [p.read_bytes() == data for p in kept] == [True]
    refused = cli("releases", "upload", "desktop", "3.9.9", "linux", str(file), code=2)
    assert "UNKNOWN_VERSION" in refused


@pytest.mark.server
def test_upload_to_a_running_server(cli: Run, ctx: Context, tmp_path: Path) -> None:
    cli("releases", "add", "desktop", "3.9.0", "--released-at", "2030-01-01")
    file = tmp_path / "mockups.tar.gz"
    file.write_bytes(random_bytes(1024 * 1024 * 3))
    with running_server(ctx, tmp_path) as base:
        artifact = json.loads(cli("releases", "upload", "desktop", "3.9.0", "linux", str(file),
                                  "--server", base, "--token", ADMIN_TOKEN))
        assert artifact["created"] is True
        releases = httpx.get(f"{base}/v1/products/desktop/releases").json()["data"]
    listed = next(r for r in releases if r["version"] == "3.9.0")
    assert listed["artifacts"][0]["sha256"] == hashlib.sha256(file.read_bytes()).hexdigest()
