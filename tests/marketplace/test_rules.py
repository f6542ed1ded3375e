"""The eligibility rules on their own (no database)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from licensor.catalog.rules import parse_product
from licensor.catalog.service import default_catalog
from licensor.core.errors import LicensorError
from licensor.marketplace import rules

PRODUCTS = {doc["code"]: parse_product(doc) for doc in default_catalog()}
TIERS = [10, 25, 50, 100, 250, 500, 2000, None]


def rank(seats: int | None) -> int:
    return 10**9 if seats is None else seats


def test_only_server_plugins_are_migratable() -> None:
    assert rules.migratable_products(list(PRODUCTS.values())) == ["confluence-server",
                                                                   "jira-server"]
    with pytest.raises(LicensorError) as exc:
        rules.check_product(PRODUCTS["desktop"], ["confluence-server", "jira-server"])
    assert exc.value.code == "PRODUCT_NOT_MIGRATABLE" and exc.value.status == 409
    assert exc.value.details["eligible_products"] == ["confluence-server", "jira-server"]


def test_server_tier_must_be_a_product_tier() -> None:
    product = PRODUCTS["confluence-server"]
    for tier in TIERS:
        rules.check_server_tier(product, tier)
    with pytest.raises(LicensorError) as exc:
        rules.check_server_tier(product, 11)
    assert exc.value.code == "INVALID_TIER" and exc.value.details["field"] == "server_user_tier"


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(TIERS), st.sampled_from(TIERS), st.booleans())
def test_status_for_every_pair_of_tiers(license_seats: int | None, server: int | None,
                                        agree: bool) -> None:
    if rank(license_seats) == rank(server):
        assert rules.status_for(license_seats, server, agree) == rules.PENDING
    elif rank(license_seats) < rank(server) and agree:
        assert rules.status_for(license_seats, server, agree) == rules.AWAITING_UPGRADE
    else:
        with pytest.raises(LicensorError) as exc:
            rules.status_for(license_seats, server, agree)
        assert exc.value.code == "TIER_MISMATCH"
        details = exc.value.details
        assert details["license_seats"] == license_seats
        assert details["server_user_tier"] == server
        assert details["how_to_proceed"]
        expected = ("LICENSE_LARGER_THAN_SERVER" if rank(license_seats) > rank(server)
                    else "LICENSE_SMALLER_THAN_SERVER")
        assert details["reason"] == expected


def test_larger_license_is_refused_even_when_agreeing_to_upgrade() -> None:
    with pytest.raises(LicensorError) as exc:
        rules.status_for(None, 500, True)
    assert "never downgraded" in exc.value.message


@pytest.mark.parametrize(("new", "required", "status"), [
    (50, 50, rules.PENDING), (25, 50, rules.AWAITING_UPGRADE), (100, 50, rules.REJECTED),
    (None, None, rules.PENDING), (2000, None, rules.AWAITING_UPGRADE), (None, 2000, rules.REJECTED),
])
def test_status_after_upgrade(new: int | None, required: int | None, status: str) -> None:
    assert rules.status_after_upgrade(new, required) == status
