"""`licensor subscriptions list|show` on the same database as the API."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Run
from tests.subscriptions.conftest import Shop


@pytest.fixture
def cli(cli: Run) -> Run:
    """`licensor subscriptions ARGS...`."""
    return lambda *args, code=0: cli("subscriptions", *args, code=code)


def test_list_and_show(cli: Run, shop: Shop) -> None:
    owner, _ = shop.account("owner@example.test")
    site = shop.site(owner)
    trial = shop.site(owner, name="Other")
    sub = shop.subscribe(owner, site["id"], plan="medium")
    listed = json.loads(cli("list", "--json", "--status", "active"))
    assert [s["id"] for s in listed] == [sub["id"]]
    everything = json.loads(cli("list", "--json", "--product", "mybalsamiq"))
    assert {s["id"] for s in everything} == {sub["id"], trial["subscription"]["id"]}
    assert "$" in cli("list")  # the table (narrow terminals wrap its cells)
    shown = json.loads(cli("show", sub["id"]))
    assert shown["owner"]["email"] == "owner@example.test" and shown["plan"] == "medium"
    assert shown["site"]["name"] == "Acme"
    assert [i["amount_paid"]["amount"] for i in shown["invoices"]] == [4900]
    assert "SUBSCRIPTION_NOT_FOUND" in cli("show", "nope", code=2)
