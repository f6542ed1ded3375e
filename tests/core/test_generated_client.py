"""A client generated from /openapi.json by a generator the project did not write
(`openapi-python-client`) sells a license through its typed calls: issue a license, validate
it, quote an upgrade (the quote request is typed by its kind), order it and pay it with a
sandbox card. The generated calls go over the app's ASGI transport (a TestClient is the httpx
client they are given)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN, ADMIN_TOKEN

pytestmark = pytest.mark.slow

PACKAGE = "licensor_generated_client"
# No formatting hooks: the generated code is imported, not kept.
CONFIG = f"package_name_override: {PACKAGE}\nproject_name_override: {PACKAGE}\npost_hooks: []\n"


@pytest.fixture
def generated(client: TestClient, tmp_path: Path) -> Iterator[ModuleType]:
    (tmp_path / "openapi.json").write_text(client.get("/openapi.json").text)
    (tmp_path / "config.yaml").write_text(CONFIG)
    run = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--meta", "none",
         "--path", str(tmp_path / "openapi.json"), "--config", str(tmp_path / "config.yaml"),
         "--output-path", str(tmp_path / PACKAGE)],
        capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _call(generated: ModuleType, operation: str) -> Any:
    """The module of a generated operation, by its tag and operationId in snake case."""
    return importlib.import_module(f"{generated.__name__}.api.{operation}")


def test_a_generated_client_sells_an_upgrade(generated: ModuleType, client: TestClient) -> None:
    models = importlib.import_module(f"{generated.__name__}.models")
    public = generated.Client(base_url="http://testserver").set_httpx_client(client)
    admin_http = TestClient(client.app, headers=ADMIN, raise_server_exceptions=False)
    vendor = generated.AuthenticatedClient(base_url="http://testserver", token=ADMIN_TOKEN
                                           ).set_httpx_client(admin_http)

    issued = _call(generated, "licenses.create_license").sync(
        client=vendor, body=models.LicenseCreate(product="desktop", seats=1,
                                                 license_name="Generated Ltd",
                                                 email="buyer@generated.test"))
    assert isinstance(issued, models.License), issued
    information = models.LicenseInformation(license_name=issued.license_name,
                                            license_key=issued.license_key)
    checked = _call(generated, "licenses.validate_license").sync(client=public,
                                                                 body=information)
    assert isinstance(checked, models.Validation) and checked.valid, checked

    quote = _call(generated, "orders.create_quote").sync(
        client=public, body=models.UpgradeBody(kind="upgrade", license_name=issued.license_name,
                                               license_key=issued.license_key, seats=5))
    assert isinstance(quote, models.Quote), quote
    assert (quote.kind, quote.seats, quote.total.amount) == ("upgrade", 5, 34000)

    order = _call(generated, "orders.create_order").sync(
        client=public, body=models.OrderCreate(
            quote_id=quote.id, payment_method=models.OrderCreatePaymentMethod.CARD,
            buyer=models.Buyer(name="Ana Diaz", email="ana@generated.test")))
    assert isinstance(order, models.Order), order
    paid = _call(generated, "orders.pay_order").sync(
        order_id=order.id, client=public, body=models.PayBody(card_token="tok_visa"))
    assert isinstance(paid, models.Order), paid
    assert paid.status == "fulfilled"  # a str, or the generated enum of the order's statuses
    upgraded = paid.licenses[0]
    assert upgraded.seats == 5 and upgraded.license_name == "Generated Ltd"

    seen = _call(generated, "orders.get_order").sync(order_id=order.id, client=vendor)
    assert isinstance(seen, models.Order) and seen.to_dict() == paid.to_dict()


def test_a_refusal_is_the_typed_error_envelope(generated: ModuleType,
                                               client: TestClient) -> None:
    models = importlib.import_module(f"{generated.__name__}.models")
    public = generated.Client(base_url="http://testserver").set_httpx_client(client)
    refused = _call(generated, "orders.create_quote").sync(
        client=public, body=models.NewBody(kind="new", product="no-such-product", seats=1))
    assert isinstance(refused, models.ErrorEnvelope)
    assert refused.error.code == "UNKNOWN_PRODUCT"
