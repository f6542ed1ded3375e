"""Pricing rules of perpetual licenses (pure domain, no database)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from licensor.catalog.rules import parse_product
from licensor.catalog.service import default_catalog
from licensor.core.errors import LicensorError
from licensor.orders.rules import new_license_price, upgrade_price, upgrade_table
from tests.builders import usd


def product(code: str):  # type: ignore[no-untyped-def]
    return parse_product(next(d for d in default_catalog() if d["code"] == code))


DESKTOP = product("desktop").pricing
SERVER = product("confluence-server").pricing
assert DESKTOP is not None and SERVER is not None


def test_desktop_volume_prices() -> None:
    assert new_license_price(DESKTOP, 1) == usd(8900)
    assert new_license_price(DESKTOP, 5) == usd(42900)
    assert new_license_price(DESKTOP, 10) == usd(80000)


def test_published_upgrade_one_to_five_users_costs_340() -> None:
    assert upgrade_price(DESKTOP, 1, 5) == usd(34000)


def test_upgrade_never_below_zero() -> None:
    # 4 users cost 356.00, 5 users cost 429.00: fine; but 9 users (772.20) -> 10 (800.00)
    assert upgrade_price(DESKTOP, 9, 10) == usd(80000 - 77220)
    # a catalog where the band edge makes the larger license exactly as expensive
    flat = parse_product({"code": "flat", "name": "Flat", "model": "perpetual", "pricing": {
        "kind": "volume", "bands": [{"min_seats": 1, "unit_price": usd(1000).to_json()},
                                    {"min_seats": 3, "unit_price": usd(667).to_json()}]}}).pricing
    assert flat is not None
    assert upgrade_price(flat, 2, 3) == usd(1)
    assert upgrade_price(flat, 1, 2) == usd(1000)


@pytest.mark.parametrize("to", [1, 3])
def test_no_downgrade_or_same(to: int) -> None:
    with pytest.raises(LicensorError) as exc:
        upgrade_price(DESKTOP, 3, to)
    assert exc.value.code == "UPGRADE_NOT_LARGER"
    assert "new, smaller license" in exc.value.message


def test_tier_upgrade_only_to_a_sold_larger_tier() -> None:
    assert upgrade_price(SERVER, 10, 25) == usd(30000)
    assert upgrade_price(SERVER, 500, None) == usd(400000)
    with pytest.raises(LicensorError) as exc:
        upgrade_price(SERVER, 10, 30)
    assert exc.value.code == "INVALID_TIER"
    with pytest.raises(LicensorError) as exc:
        upgrade_price(SERVER, None, 2000)
    assert exc.value.code == "UPGRADE_NOT_LARGER"


def test_invalid_seats() -> None:
    with pytest.raises(LicensorError) as exc:
        upgrade_price(DESKTOP, 1, 0)
    assert exc.value.code == "INVALID_SEATS"


def test_upgrade_table_volume_covers_one_to_ten_and_band_edges() -> None:
    table = {(r.from_seats, r.to_seats): r.price for r in upgrade_table(DESKTOP)}
    for a in range(1, 11):
        for b in range(a + 1, 11):
            assert (a, b) in table
    for edge in (24, 25, 49, 50):
        assert (1, edge) in table
    assert table[(1, 5)] == usd(34000)


def test_upgrade_table_tiers_every_smaller_to_larger_pair() -> None:
    rows = upgrade_table(SERVER)
    n = len(SERVER.tiers)
    assert len(rows) == n * (n - 1) // 2
    assert all(r.price.amount >= 0 for r in rows)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 200), st.integers(1, 200), st.integers(1, 200))
def test_upgrades_in_steps_never_cost_more_than_at_once(a: int, b: int, c: int) -> None:
    a, b, c = sorted((a, b, c))
    if not a < b < c:
        return
    direct = upgrade_price(DESKTOP, a, c)
    steps = upgrade_price(DESKTOP, a, b) + upgrade_price(DESKTOP, b, c)
    # Non-decreasing catalogs: stepwise equals at once (each step is a difference).
    assert steps == direct
    assert new_license_price(DESKTOP, a) + direct == new_license_price(DESKTOP, c)
