"""docs/releases.md's examples run against a real server: the Python one (licensor.verify) and
the JavaScript one (clients/js), and the document shows them exactly as they are."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from licensor.core.context import Context
from tests.builders import create_license
from tests.conftest import ADMIN
from tests.core.server import running_server

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "releases.md"
PYTHON = ROOT / "docs" / "examples" / "offline_install.py"
JS = ROOT / "clients" / "js"
JS_EXAMPLE = JS / "examples" / "offline-install.mjs"
HAS_NODE = shutil.which("node") is not None and shutil.which("npm") is not None


def test_the_document_shows_the_examples_that_run() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert f"```python\n{PYTHON.read_text(encoding='utf-8')}```" in text
    assert f"```js\n{JS_EXAMPLE.read_text(encoding='utf-8')}```" in text


@pytest.mark.server
def test_the_examples_against_a_running_server(ctx: Context, tmp_path: Path) -> None:
    lic = create_license(ctx, product="desktop", license_name="Acme Inc")
    data = bytes(range(256)) * 2000
    args = ["Acme Inc", lic.license_key, "linux", "machine-1"]
    with running_server(ctx, tmp_path) as base:
        for version in ("3.8.0", "3.9.0"):
            httpx.put(f"{base}/v1/products/desktop/releases/{version}", headers=ADMIN,
                      json={"released_at": "2030-01-01T00:00:00Z"}).raise_for_status()
            httpx.put(f"{base}/v1/products/desktop/releases/{version}/artifacts/linux",
                      params={"filename": "mockups.tar.gz"}, content=data,
                      headers=ADMIN).raise_for_status()
        outputs = [subprocess.run([sys.executable, str(PYTHON), base, *args],
                                  capture_output=True, text=True, timeout=60, check=False)]
        if HAS_NODE:
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=JS,
                           check=True, capture_output=True, timeout=300)
            outputs.append(subprocess.run(["node", str(JS_EXAMPLE), base, *args], cwd=JS,
                                          capture_output=True, text=True, timeout=60,
                                          check=False))
    for result in outputs:
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == {
            "version": "3.9.0", "artifact": "VALID", "tampered": "DIGEST_MISMATCH",
            "license_file": "VALID", "license_id": lic.id, "elsewhere": "DECRYPTION_FAILED"}
    if not HAS_NODE:
        pytest.skip("Node.js is not installed: the JavaScript example was not run")
