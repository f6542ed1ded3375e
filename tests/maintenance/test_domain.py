"""Maintenance dates and the update policy, as pure rules (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from licensor.core.calendar import add_months
from licensor.core.errors import LicensorError
from licensor.maintenance.rules import (
    ALLOWED,
    MAINTENANCE_EXPIRED,
    MAJOR_UPGRADE_REQUIRED,
    UNKNOWN_VERSION,
    Release,
    UpdateTerms,
    check_update,
    first_end,
    in_maintenance,
    renewed_end,
    shortened_end,
)
from licensor.maintenance.versions import Version, parse_version


def at(y: int, m: int, d: int, h: int = 12) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


# -- dates --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("bought", "end"), [
    (at(2015, 3, 10), at(2016, 3, 10)),
    (at(2024, 2, 29), at(2025, 2, 28)),  # leap day → the last day of February
    (at(2023, 2, 28), at(2024, 2, 28)),  # not the 29th: the anchor day is the 28th
    (at(2015, 1, 31), at(2016, 1, 31)),
    (at(2015, 12, 31, 23), at(2016, 12, 31, 23)),
])
def test_a_new_license_gets_twelve_months(bought: datetime, end: datetime) -> None:
    assert first_end(bought, 12) == end


def test_month_ends_clamp_for_shorter_blocks() -> None:
    assert first_end(at(2023, 1, 31), 1) == at(2023, 2, 28)
    assert first_end(at(2024, 1, 31), 1) == at(2024, 2, 29)
    assert first_end(at(2024, 8, 31), 6) == at(2025, 2, 28)


def test_renewal_adds_one_block_from_the_previous_end_early_or_late() -> None:
    end = at(2016, 3, 10)
    # Whenever it is bought, the new end is the old end + 12 months: early loses nothing,
    # late (even years after the lapse) does not extend past that block.
    assert renewed_end(end, 12, anchor=at(2015, 3, 10)) == at(2017, 3, 10)
    assert renewed_end(end, 12) == at(2017, 3, 10)


def test_renewal_of_a_leap_day_license_keeps_the_anchor_day() -> None:
    bought = at(2024, 2, 29)
    ends = [first_end(bought, 12)]
    for _ in range(4):
        ends.append(renewed_end(ends[-1], 12, anchor=bought))
    assert ends == [at(2025, 2, 28), at(2026, 2, 28), at(2027, 2, 28), at(2028, 2, 29),
                    at(2029, 2, 28)]
    # Without the anchor the end would drift to the 28th for ever.
    assert renewed_end(at(2027, 2, 28), 12) == at(2028, 2, 28)


def test_renewing_twice_from_a_month_end_anchor() -> None:
    bought = at(2023, 1, 31)
    once = renewed_end(first_end(bought, 1), 1, anchor=bought)
    twice = renewed_end(once, 1, anchor=bought)
    assert (first_end(bought, 1), once, twice) == (at(2023, 2, 28), at(2023, 3, 31),
                                                   at(2023, 4, 30))
    bought = at(2015, 1, 31)
    assert renewed_end(renewed_end(first_end(bought, 12), 12, bought), 12, bought) \
        == at(2018, 1, 31)


def test_an_end_off_the_anchor_grid_just_moves_by_one_block() -> None:
    assert renewed_end(at(2016, 7, 1), 12, anchor=at(2015, 3, 10)) == at(2017, 7, 1)
    assert shortened_end(at(2016, 7, 1), 12, anchor=at(2015, 3, 10)) == at(2015, 7, 1)


def test_a_refunded_renewal_gives_the_block_back() -> None:
    bought = at(2024, 2, 29)
    end = first_end(bought, 12)
    assert shortened_end(renewed_end(end, 12, bought), 12, bought) == end
    assert shortened_end(at(2028, 2, 29), 12, bought) == at(2027, 2, 28)


def test_an_upgrade_after_a_lapse_restarts_from_the_upgrade_date() -> None:
    lapsed_end = at(2016, 3, 10)
    upgraded = at(2018, 8, 31)
    assert first_end(upgraded, 12) == at(2019, 8, 31)
    assert first_end(upgraded, 12) > renewed_end(lapsed_end, 12)


@settings(max_examples=150, deadline=None)
@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1),
                    timezones=st.just(UTC)),
       st.integers(min_value=0, max_value=8), st.sampled_from([1, 3, 6, 12, 24]))
def test_renewals_stay_on_the_anchor_grid(bought: datetime, renewals: int, months: int) -> None:
    end = first_end(bought, months)
    for _ in range(renewals):
        end = renewed_end(end, months, anchor=bought)

    assert end == add_months(bought, months * (renewals + 1))
    assert end.time() == bought.time()
    for _ in range(renewals):
        end = shortened_end(end, months, anchor=bought)
    assert end == first_end(bought, months)


def test_the_end_instant_is_inside_maintenance() -> None:
    end = at(2016, 3, 10)
    assert in_maintenance(end, end)
    assert not in_maintenance(end, end + timedelta(microseconds=1))
    assert not in_maintenance(None, end)


# -- versions -----------------------------------------------------------------------------------

def test_versions_compare_semantically() -> None:
    assert parse_version("3.10.0") > parse_version("3.9.0")
    assert parse_version("10.0.0") > parse_version("9.99.99")
    assert parse_version("4.0.0-beta.2") < parse_version("4.0.0-beta.11") < parse_version("4.0.0")
    assert parse_version("1.0.0-alpha") < parse_version("1.0.0-alpha.1") \
        < parse_version("1.0.0-beta") < parse_version("1.0.0-rc.1")
    assert str(parse_version(" 3.1.2 ")) == "3.1.2"
    assert parse_version("3.1.2") == Version(3, 1, 2)


@pytest.mark.parametrize("text", ["", "3", "3.1", "3.1.2.4", "v3.1.2", "03.1.2", "3.1.x",
                                  "3.1.2-", "3.1.2+build", "1" * 70 + ".0.0", "3.1.2-be ta"])
def test_invalid_versions_are_refused(text: str) -> None:
    with pytest.raises(LicensorError) as err:
        parse_version(text)
    assert err.value.code == "INVALID_VERSION" and err.value.status == 422


# -- update policy ------------------------------------------------------------------------------

def releases(*items: tuple[str, datetime]) -> list[Release]:
    return [Release(parse_version(v), t) for v, t in items]


SERVER = releases(("3.0.0", at(2015, 1, 5)), ("3.1.0", at(2015, 9, 1)),
                  ("3.10.0", at(2016, 3, 10)), ("3.9.0", at(2016, 1, 2)),
                  ("4.0.0", at(2016, 3, 10, 13)))


def test_server_release_on_or_before_the_end_is_allowed() -> None:
    terms = UpdateTerms(12, at(2016, 3, 10), None)
    ok = check_update(terms, SERVER, parse_version("3.10.0"))  # released at the end instant
    assert (ok.allowed, ok.reason) == (True, ALLOWED)
    assert str(ok.latest_allowed) == "3.10.0" and str(ok.latest) == "4.0.0"
    late = check_update(terms, SERVER, parse_version("4.0.0"))  # an hour after the end
    assert (late.allowed, late.reason) == (False, MAINTENANCE_EXPIRED)
    assert str(late.latest_allowed) == "3.10.0"


def test_server_without_any_covered_release() -> None:
    decision = check_update(UpdateTerms(12, at(2014, 1, 1), None), SERVER, parse_version("3.0.0"))
    assert (decision.allowed, decision.reason, decision.latest_allowed) == \
        (False, MAINTENANCE_EXPIRED, None)


def test_desktop_major_version_policy() -> None:
    desktop = releases(("3.0.0", at(2015, 3, 1)), ("3.5.1", at(2016, 6, 1)),
                       ("4.0.0", at(2017, 9, 1)), ("4.1.0", at(2018, 1, 1)))
    terms = UpdateTerms(None, None, 3)
    free = check_update(terms, desktop, parse_version("3.5.1"))
    assert (free.allowed, free.reason, str(free.latest_allowed), str(free.latest)) == \
        (True, ALLOWED, "3.5.1", "4.1.0")
    paid = check_update(terms, desktop, parse_version("4.0.0"))
    assert (paid.allowed, paid.reason) == (False, MAJOR_UPGRADE_REQUIRED)
    four = check_update(UpdateTerms(None, None, 4), desktop, parse_version("4.1.0"))
    assert (four.allowed, str(four.latest_allowed)) == (True, "4.1.0")


def test_unknown_version() -> None:
    decision = check_update(UpdateTerms(12, at(2030, 1, 1), None), SERVER,
                            parse_version("3.2.0"))
    assert (decision.allowed, decision.reason, str(decision.latest_allowed)) == \
        (False, UNKNOWN_VERSION, "4.0.0")
    empty = check_update(UpdateTerms(None, None, 3), [], parse_version("3.0.0"))
    assert (empty.reason, empty.latest, empty.latest_allowed) == (UNKNOWN_VERSION, None, None)
