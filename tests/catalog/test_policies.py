"""The catalog's discount policies: companion price, license credits, academic tier prices."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from licensor.catalog.rules import parse_product, product_to_json
from licensor.catalog.service import default_catalog
from licensor.core.errors import LicensorError
from licensor.core.money import Money


def product(code: str) -> dict[str, Any]:
    return copy.deepcopy(next(p for p in default_catalog() if p["code"] == code))


def test_the_default_catalog_carries_the_reference_vendors_policies() -> None:
    desktop = parse_product(product("desktop"))
    assert desktop.companion is not None and desktop.credits is not None
    assert desktop.companion.price(3) == Money(13500, "USD")
    assert set(desktop.companion.license_products) == {"confluence-server", "jira-server"}
    assert desktop.companion.site_products == ("mybalsamiq",)
    assert desktop.credits.site_credit(Money(42900, "USD")) == Money(21450, "USD")
    assert desktop.credits.site_ratio == Decimal("0.5")
    server = parse_product(product("confluence-server"))
    assert server.pricing is not None and server.pricing.academic
    academic = server.pricing.academic_view()
    assert academic.list_price(25) == Money(30000, "USD")
    assert server.pricing.list_price(25) == Money(60000, "USD")


def test_policies_round_trip_through_json() -> None:
    for code in ("desktop", "confluence-server", "jira-server", "mybalsamiq"):
        parsed = parse_product(product(code))
        assert parse_product(product_to_json(parsed)) == parsed


def test_products_without_academic_prices_refuse_academic_pricing() -> None:
    desktop = parse_product(product("desktop"))
    assert desktop.pricing is not None and not desktop.pricing.academic
    with pytest.raises(LicensorError) as err:
        desktop.pricing.academic_view()
    assert err.value.code == "ACADEMIC_NOT_AVAILABLE"


@pytest.mark.parametrize(("edit", "field"), [
    (lambda p: p["pricing"]["tiers"][0].pop("academic_price"), "confluence-server.pricing"),
    (lambda p: p["pricing"]["tiers"][1].update(
        academic_price={"amount": 100, "currency": "USD"}), None),
    (lambda p: p.update(companion={"unit_price": "45"}), "confluence-server.companion.unit_price"),
    (lambda p: p.update(credits={"site_ratio": "1.5"}), "confluence-server.credits.site_ratio"),
    (lambda p: p.update(credits={"plugin_products": "jira-server"}),
     "confluence-server.credits.plugin_products"),
])
def test_a_wrong_policy_is_an_invalid_catalog(edit: Any, field: str | None) -> None:
    doc = product("confluence-server")
    edit(doc)
    with pytest.raises(LicensorError) as err:
        parse_product(doc)
    assert err.value.code == "INVALID_CATALOG"
    if field:
        assert err.value.details.get("field") == field


def test_a_subscription_carries_no_companion_price() -> None:
    doc = product("mybalsamiq")
    doc["companion"] = {"unit_price": {"amount": 100, "currency": "USD"}}
    with pytest.raises(LicensorError) as err:
        parse_product(doc)
    assert err.value.code == "INVALID_CATALOG"
