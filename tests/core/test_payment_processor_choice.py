"""The payment processor is chosen by configuration, and a server that does not use Stripe
never loads the Stripe library (nor does building the app need it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import json, sys
from licensor.app import create_app
from licensor.config import Settings
from licensor.core import payments
from licensor.core.context import build_context
ctx = build_context(Settings())
app = create_app(ctx)
chosen = type(payments.processor_for(ctx)).__name__
print(json.dumps({"stripe": "stripe" in sys.modules, "processor": chosen}))
"""


def _probe(tmp_path: Path, **env: str) -> dict[str, object]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LICENSOR_")}
    environment.update({"LICENSOR_HOME": str(tmp_path), "LICENSOR_SANDBOX": "true", **env})
    done = subprocess.run([sys.executable, "-c", PROBE], env=environment, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    answer: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def test_sandbox_mode_builds_the_app_without_importing_stripe(tmp_path: Path) -> None:
    assert _probe(tmp_path) == {"stripe": False, "processor": "SandboxProcessor"}


def test_a_stripe_key_chooses_stripe(tmp_path: Path) -> None:
    assert _probe(tmp_path, LICENSOR_STRIPE_SECRET_KEY="sk_test_123") == {
        "stripe": True, "processor": "StripeProcessor"}
