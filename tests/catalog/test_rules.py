from __future__ import annotations

import copy
from fractions import Fraction

import pytest

from licensor.catalog.rules import parse_product, product_to_json
from licensor.catalog.service import default_catalog
from licensor.core.errors import LicensorError
from licensor.core.money import round_half_even
from tests.builders import usd


def desktop() -> dict:
    return copy.deepcopy(next(p for p in default_catalog() if p["code"] == "desktop"))


def test_default_catalog_parses_and_round_trips() -> None:
    for document in default_catalog():
        product = parse_product(document)
        assert parse_product(product_to_json(product)) == product


@pytest.mark.parametrize("seats,total", [(1, 8900), (4, 35600), (5, 42900), (9, 77220),
                                         (10, 80000), (25, 192500), (50, 377500)])
def test_desktop_volume_prices(seats: int, total: int) -> None:
    assert parse_product(desktop()).pricing.list_price(seats) == usd(total)


def test_tier_prices_and_unknown_tier() -> None:
    server = parse_product(next(p for p in default_catalog() if p["code"] == "jira-server"))
    assert server.pricing.list_price(25) == usd(60000)
    assert server.pricing.list_price(None) == usd(800000)
    with pytest.raises(LicensorError) as exc:
        server.pricing.list_price(30)
    assert exc.value.code == "INVALID_TIER"


def test_falling_total_names_the_band() -> None:
    doc = desktop()
    doc["pricing"]["bands"][1]["unit_price"]["amount"] = 5000  # 5 × 50 < 4 × 89
    with pytest.raises(LicensorError) as exc:
        parse_product(doc)
    assert exc.value.code == "INVALID_CATALOG"
    assert exc.value.details["band"] == 1 and "from 5 seats" in exc.value.message


@pytest.mark.parametrize("mutate,field", [
    (lambda d: d.update(model="rental"), "model"),
    (lambda d: d.update(code="Bad Code"), "code"),
    (lambda d: d["pricing"]["bands"][0].update(min_seats=2), None),
    (lambda d: d["pricing"]["bands"][0]["unit_price"].update(amount=-1), None),
    (lambda d: d["pricing"]["bands"][0]["unit_price"].update(amount=89.5), None),
    (lambda d: d["pricing"]["bands"][0]["unit_price"].update(currency="XYZ"), None),
    (lambda d: d.update(channels=["retail"]), "channels"),
    (lambda d: d.update(renewal_price_ratio="lots"), "renewal_price_ratio"),
    (lambda d: d.update(pricing=None), None),
])
def test_invalid_entries_are_refused_with_a_reason(mutate, field) -> None:
    doc = desktop()
    mutate(doc)
    with pytest.raises(LicensorError) as exc:
        parse_product(doc)
    assert exc.value.code == "INVALID_CATALOG" and exc.value.message
    if field:
        assert exc.value.details.get("field") == field


def test_round_half_even_on_exact_rationals() -> None:
    assert round_half_even(Fraction(5, 2)) == 2
    assert round_half_even(Fraction(7, 2)) == 4
    assert round_half_even(Fraction(-5, 2)) == -2
    assert round_half_even(Fraction(20000, 3)) == 6667
    assert usd(8900).scaled(Fraction(1, 2)) == usd(4450)
