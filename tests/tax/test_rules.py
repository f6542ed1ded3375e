"""The pure tax rules: the treatment of a sale, the rate on a date, the amounts of a document
(the golden numbers of an Italian seller registered for the EU One-Stop Shop)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from licensor.tax.rates import shipped_rates
from licensor.tax.rules import (
    EU_MEMBER_STATES,
    EU_REVERSE_CHARGE_NOTE,
    TaxMode,
    TaxSetup,
    Treatment,
    amounts,
    parse_rate,
    place_of_supply,
    rate_on,
    rate_text,
    registered_countries,
)
from tests.builders import usd

ITALY_OSS = TaxSetup("IT", registered_countries("EU"))
DAY = date(2026, 1, 15)


def rate(country: str, day: date = DAY) -> Decimal | None:
    return rate_on(shipped_rates(), country, day)


def test_the_golden_numbers_exclusive() -> None:
    german = amounts(usd(8900), rate("DE"), TaxMode.EXCLUSIVE)
    assert (german.subtotal, german.tax, german.total) == (usd(8900), usd(1691), usd(10591))
    italian = amounts(usd(8900), rate("IT"), TaxMode.EXCLUSIVE)
    assert italian.total == usd(10858)
    dutch = amounts(usd(5 * 8580), rate("NL"), TaxMode.EXCLUSIVE)
    assert (dutch.tax, dutch.total) == (usd(9009), usd(51909))


def test_the_golden_numbers_inclusive() -> None:
    german = amounts(usd(8900), rate("DE"), TaxMode.INCLUSIVE)
    assert (german.subtotal, german.tax, german.total) == (usd(7479), usd(1421), usd(8900))


def test_tax_is_rounded_half_to_even_once() -> None:
    # 50 cents at 25% is 12.5 cents: half to even gives 12; 30 cents at 25% → 7.5 → 8.
    assert amounts(usd(50), Decimal(25), TaxMode.EXCLUSIVE).tax == usd(12)
    assert amounts(usd(30), Decimal(25), TaxMode.EXCLUSIVE).tax == usd(8)


def test_the_treatments_of_an_italian_seller_registered_for_the_eu() -> None:
    assert place_of_supply(ITALY_OSS, "DE", valid_vat_id=False).treatment is Treatment.STANDARD
    french = place_of_supply(ITALY_OSS, "FR", valid_vat_id=True)
    assert (french.treatment, french.note) == (Treatment.REVERSE_CHARGE, EU_REVERSE_CHARGE_NOTE)
    # At home a business pays the home rate, VAT ID or not.
    italian = place_of_supply(ITALY_OSS, "IT", valid_vat_id=True)
    assert (italian.treatment, italian.country) == (Treatment.STANDARD, "IT")
    assert place_of_supply(ITALY_OSS, "US", valid_vat_id=False).treatment \
        is Treatment.OUTSIDE_SCOPE
    assert place_of_supply(ITALY_OSS, "GB", valid_vat_id=True).treatment \
        is Treatment.OUTSIDE_SCOPE
    unregistered = TaxSetup("IT", frozenset())
    assert place_of_supply(unregistered, "DE", valid_vat_id=False).treatment \
        is Treatment.NOT_COLLECTED


def test_a_non_eu_seller_in_the_oss_reverse_charges_every_eu_business() -> None:
    us_seller = TaxSetup("US", registered_countries("EU,GB"))
    assert place_of_supply(us_seller, "IT", valid_vat_id=True).treatment \
        is Treatment.REVERSE_CHARGE
    assert place_of_supply(us_seller, "GB", valid_vat_id=False).treatment is Treatment.STANDARD
    assert place_of_supply(us_seller, "US", valid_vat_id=False).treatment \
        is Treatment.OUTSIDE_SCOPE


def test_registrations_are_read_from_the_setting() -> None:
    assert registered_countries("") == frozenset()
    assert registered_countries("eu, gb;NO") == EU_MEMBER_STATES | {"GB", "NO"}
    assert len(EU_MEMBER_STATES) == 27


def test_a_rate_changes_on_its_date() -> None:
    changes = [("FI", date(2024, 9, 1), "24", "25.5"), ("SK", date(2025, 1, 1), "20", "23"),
               ("EE", date(2025, 7, 1), "22", "24"), ("RO", date(2025, 8, 1), "19", "21")]
    for country, day, before, after in changes:
        assert rate_text(rate(country, date.fromordinal(day.toordinal() - 1))) == before
        assert rate_text(rate(country, day)) == after


def test_every_eu_state_and_gb_no_ch_has_a_rate() -> None:
    assert {e.country for e in shipped_rates()} == EU_MEMBER_STATES | {"GB", "NO", "CH"}
    assert rate("XX") is None


def test_a_later_entry_wins_a_tie_on_the_same_date() -> None:
    vendor = [*shipped_rates(), *[e for e in shipped_rates() if e.country == "DE"]]
    assert rate_on([*vendor, type(vendor[0])("DE", Decimal(16), date(2024, 1, 1))],
                   "DE", DAY) == Decimal(16)


def test_rates_are_parsed_strictly() -> None:
    assert parse_rate("25.5") == Decimal("25.5")
    assert parse_rate("0") == Decimal(0)
    for bad in ("", "abc", "-1", "100", "19.123", "NaN", "Infinity"):
        assert parse_rate(bad) is None, bad


prices = st.integers(min_value=0, max_value=10**11)
rates = st.decimals(min_value=0, max_value=Decimal("99.99"), places=2)


@given(prices, rates, st.sampled_from(list(TaxMode)))
def test_tax_is_never_negative_and_subtotal_plus_tax_is_the_total(price: int, rate: Decimal,
                                                                  mode: TaxMode) -> None:
    result = amounts(usd(price), rate, mode)
    assert result.tax.amount >= 0
    assert result.subtotal.amount >= 0
    assert result.subtotal + result.tax == result.total
    if mode is TaxMode.INCLUSIVE:
        assert result.total == usd(price)
    else:
        assert result.subtotal == usd(price)
