"""`licensor subscriptions list|show` on the same database as the API."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from typer.testing import CliRunner

from licensor.cli import app
from licensor.services.context import Context
from tests.subscriptions.conftest import Shop

Run = Callable[..., str]


@pytest.fixture
def cli(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("LICENSOR_HOME", str(ctx.settings.home))
    monkeypatch.setenv("LICENSOR_DATABASE_URL", ctx.db.url)
    monkeypatch.setenv("LICENSOR_SANDBOX", "1")
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, ["subscriptions", *args], catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    return run


def test_list_and_show(cli: Run, shop: Shop) -> None:
    owner, _ = shop.account("owner@example.test")
    site = shop.site(owner)
    trial = shop.site(owner, name="Other")
    sub = shop.subscribe(owner, site["id"], plan="medium")
    listed = json.loads(cli("list", "--json", "--status", "active"))
    assert [s["id"] for s in listed] == [sub["id"]]
    everything = json.loads(cli("list", "--json", "--product", "mybalsamiq"))
    assert {s["id"] for s in everything} == {sub["id"], trial["subscription"]["id"]}
    assert "USD" in cli("list")  # the table (narrow terminals wrap its cells)
    shown = json.loads(cli("show", sub["id"]))
    assert shown["owner"]["email"] == "owner@example.test" and shown["plan"] == "medium"
    assert shown["site"]["name"] == "Acme"
    assert [i["amount_paid"]["amount"] for i in shown["invoices"]] == [4900]
    assert "SUBSCRIPTION_NOT_FOUND" in cli("show", "nope", code=2)
