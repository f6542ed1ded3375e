"""The one update rule, as downloads apply it: a table of licenses and releases, each decided
by maintenance.rules.choose_download exactly as by the update check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from licensor.maintenance.rules import (
    ALLOWED,
    MAINTENANCE_EXPIRED,
    MAJOR_UPGRADE_REQUIRED,
    UNKNOWN_VERSION,
    Release,
    UpdateTerms,
    check_update,
    choose_download,
)
from licensor.maintenance.versions import parse_version

END = datetime(2027, 3, 4, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
DESKTOP_3 = UpdateTerms(None, None, 3)
SERVER = UpdateTerms(12, END, None)


def release(version: str, at: datetime = END, channel: str = "stable") -> Release:
    return Release(parse_version(version), at, channel)


TABLE = [
    # desktop: its major version (and earlier ones) free, the next major a paid upgrade
    ("desktop, same major", DESKTOP_3, release("3.9.2"), ALLOWED),
    ("desktop, earlier major", DESKTOP_3, release("2.4.0"), ALLOWED),
    ("desktop, next major", DESKTOP_3, release("4.0.0"), MAJOR_UPGRADE_REQUIRED),
    ("desktop, next major's beta", DESKTOP_3, release("4.0.0-beta.1", channel="beta"),
     MAJOR_UPGRADE_REQUIRED),
    ("desktop, released decades later", DESKTOP_3, release("3.99.0", END.replace(year=2090)),
     ALLOWED),
    # server plugins: published on or before the maintenance end
    ("server, long before the end", SERVER, release("5.0.0", END - timedelta(days=300)),
     ALLOWED),
    ("server, a second before the end", SERVER, release("5.1.0", END - SECOND), ALLOWED),
    ("server, on the end instant", SERVER, release("5.2.0", END), ALLOWED),
    ("server, a second after the end", SERVER, release("5.2.1", END + SECOND),
     MAINTENANCE_EXPIRED),
    ("server, a year after the end", SERVER, release("6.0.0", END + timedelta(days=365)),
     MAINTENANCE_EXPIRED),
    ("server, without maintenance at all", UpdateTerms(12, None, None), release("5.0.0"),
     MAINTENANCE_EXPIRED),
]


@pytest.mark.parametrize(("name", "terms", "asked", "reason"), TABLE, ids=[t[0] for t in TABLE])
def test_a_download_is_decided_as_the_update_check_decides(name: str, terms: UpdateTerms,
                                                           asked: Release, reason: str) -> None:
    others = [release("1.0.0", END - timedelta(days=900))]
    decision = choose_download(terms, [*others, asked], version=asked.version, channel="beta")
    assert decision.reason == reason
    assert (decision.release == asked) is (reason == ALLOWED)
    assert check_update(terms, [*others, asked], asked.version).reason == reason


def test_without_a_version_the_newest_allowed_of_the_channel() -> None:
    releases = [release("5.0.0", END - timedelta(days=30)),
                release("5.1.0", END),
                release("5.2.0-beta.1", END - timedelta(days=1), "beta"),
                release("5.2.0", END + SECOND)]
    stable = choose_download(SERVER, releases, version=None, channel="stable")
    assert (stable.reason, str(stable.release.version if stable.release else None),
            str(stable.latest_allowed)) == (ALLOWED, "5.1.0", "5.1.0")
    beta = choose_download(SERVER, releases, version=None, channel="beta")
    assert str(beta.release.version if beta.release else None) == "5.2.0-beta.1"
    late = choose_download(SERVER, releases, version=parse_version("5.2.0"), channel="stable")
    assert (late.reason, late.release, str(late.latest_allowed)) == \
        (MAINTENANCE_EXPIRED, None, "5.1.0")


def test_nothing_allowed_names_why_and_nothing_offered_is_unknown() -> None:
    newer = [release("4.0.0"), release("4.1.0")]
    refused = choose_download(DESKTOP_3, newer, version=None, channel="stable")
    assert (refused.release, refused.reason, refused.latest_allowed) == \
        (None, MAJOR_UPGRADE_REQUIRED, None)
    only_beta = [release("3.1.0-beta.1", channel="beta")]
    assert choose_download(DESKTOP_3, only_beta, version=None, channel="stable").reason == \
        UNKNOWN_VERSION
    assert choose_download(DESKTOP_3, [], version=parse_version("3.0.0"),
                           channel="stable").reason == UNKNOWN_VERSION


def test_the_update_check_points_at_stable_releases_only() -> None:
    releases = [release("3.1.0"), release("3.2.0-beta.1", channel="beta")]
    answer = check_update(DESKTOP_3, releases, parse_version("3.2.0-beta.1"))
    assert answer.allowed and str(answer.latest) == "3.1.0" and \
        str(answer.latest_allowed) == "3.1.0"
