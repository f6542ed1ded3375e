"""The JavaScript verifier (clients/js) against a real `licensor serve`: it accepts the live
server's signed answers and revocation list and refuses replayed, edited, misdirected and old
answers and a revoked key, as licensor.verify does (tests/licenses/test_signed_answers.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from licensor.core.context import Context
from tests.builders import create_license
from tests.conftest import ADMIN
from tests.core.server import running_server

JS = Path(__file__).resolve().parents[2] / "clients" / "js"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="Node.js (node and npm, version 20 or later) is not installed: the JavaScript "
    "verifier in clients/js is not tested")


@pytest.mark.server
@pytest.mark.slow
def test_the_javascript_verifier_against_a_running_server(ctx: Context, tmp_path: Path) -> None:
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=JS,
                   check=True, capture_output=True, timeout=300)
    good = create_license(ctx, license_name="Acme Inc")
    leaked = create_license(ctx, license_name="Leaked Co")
    with running_server(ctx, tmp_path) as base:
        revoked = httpx.post(f"{base}/v1/licenses/{leaked.id}/revoke",
                             json={"reason": "leaked"}, headers=ADMIN)
        assert revoked.status_code == 200, revoked.text
        result = subprocess.run(
            ["node", "examples/check-server.mjs", base, "Acme Inc", good.license_key, "Leaked Co",
             leaked.license_key], cwd=JS, capture_output=True, text=True, timeout=60,
            check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "validate": "VERIFIED", "verdict": "VALID", "update": "VERIFIED",
        "replayed": "NONCE_MISMATCH", "edited": "BAD_SIGNATURE", "misdirected": "WRONG_PATH",
        "too_old": "TOO_OLD", "list": "CURRENT", "revoked_offline": "REVOKED",
        "valid_offline": "VALID"}
