"""`licensor licenses import FILE.csv --channel marketplace` (the bulk importer) brings in
marketplace licenses with their SEN, and they then behave as marketplace licenses."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from licensor.cli import app
from licensor.core.context import Context
from tests.marketplace.helpers import error

CSV = ("product,seats,license_name,email,sen,purchased_at\n"
       "confluence-server,25,Acme Inc,it@acme.test,SEN-L1000001,2015-03-01\n"
       "jira-server,unlimited,Globex,ops@globex.test,SEN-L1000002,2015-04-01\n")


@pytest.fixture
def runner(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LICENSOR_HOME", str(ctx.settings.home))
    monkeypatch.setenv("LICENSOR_DATABASE_URL", ctx.db.url)
    monkeypatch.setenv("LICENSOR_SANDBOX", "1")
    return CliRunner()


def test_import_marketplace_licenses_with_sen(runner: CliRunner, client: TestClient,
                                              admin: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "marketplace.csv"
    path.write_text(CSV, encoding="utf-8")
    result = runner.invoke(app, ["licenses", "import", str(path), "--channel", "marketplace"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for sen, product in (("SEN-L1000001", "confluence-server"), ("SEN-L1000002", "jira-server")):
        found = client.get("/v1/licenses", params={"q": sen}, headers=admin).json()["data"]
        assert len(found) == 1, found
        lic = found[0]
        assert lic["channel"] == "marketplace" and lic["sen"] == sen
        assert lic["product"] == product
        info = {"license_name": lic["license_name"], "license_key": lic["license_key"]}
        assert client.post("/v1/licenses/validate", json=info).json()["code"] == "VALID"
        err = error(client.post("/v1/quotes", json={"kind": "upgrade", **info, "seats": 500}),
                    409, "UPGRADE_VIA_MARKETPLACE")
        assert err["details"]["url"] == "https://my.atlassian.com"


def test_import_refuses_marketplace_rows_without_sen(runner: CliRunner, client: TestClient,
                                                     admin: dict[str, str],
                                                     tmp_path: Path) -> None:
    path = tmp_path / "nosen.csv"
    path.write_text("product,seats,license_name,email,sen\n"
                    "confluence-server,25,Acme Inc,it@acme.test,\n", encoding="utf-8")
    result = runner.invoke(app, ["licenses", "import", str(path), "--channel", "marketplace"],
                           catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert "INVALID_REQUEST" in result.output and "SEN" in result.output
    assert client.get("/v1/licenses", headers=admin).json()["data"] == []


def test_import_and_api_take_the_same_sen_format(runner: CliRunner, client: TestClient,
                                                 admin: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "badsen.csv"
    path.write_text("product,seats,license_name,email,sen\n"
                    "confluence-server,25,Acme Inc,it@acme.test,SEN L1 / 42!\n",
                    encoding="utf-8")
    result = runner.invoke(app, ["licenses", "import", str(path), "--channel", "marketplace"],
                           catch_exceptions=False)
    assert result.exit_code == 2 and "SEN-L1234567" in result.output, result.output
    err = error(client.post("/v1/licenses", headers=admin, json={
        "product": "jira-server", "seats": 25, "license_name": "Acme", "email": "a@acme.test",
        "channel": "marketplace", "sen": "SEN L1 / 42!"}), 422, "INVALID_REQUEST")
    assert err["details"]["field"] == "sen"
    assert client.get("/v1/licenses", headers=admin).json()["data"] == []
