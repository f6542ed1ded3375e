"""`licensor credits desktop-to-plugin NAME KEY`: the coupon as JSON; a refusal is its code."""

from __future__ import annotations

import json

from licensor.core.context import Context
from tests.builders import create_license
from tests.conftest import Run


def test_desktop_to_plugin_prints_the_coupon_then_refuses_a_second(ctx: Context,
                                                                   cli: Run) -> None:
    lic = create_license(ctx, seats=5, license_name="Acme Inc")
    coupon = json.loads(cli("credits", "desktop-to-plugin", lic.license_name, lic.license_key))
    assert coupon["code"].startswith("DESKTOP-") and len(coupon["code"]) == 16
    assert coupon["amount_off"] == {"amount": 21450, "currency": "USD"}
    assert coupon["source"] == {"desktop_license_id": lic.id}
    out = cli("credits", "desktop-to-plugin", lic.license_name, lic.license_key, code=2)
    assert "CREDIT_ALREADY_USED" in out
    out = cli("credits", "desktop-to-plugin", lic.license_name, "nonsense", code=2)
    assert "INVALID_LICENSE" in out
