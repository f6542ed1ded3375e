"""Maintenance (support and updates) of perpetual licenses: period dates and the update policy.

Pure rules: callers pass the dates, the releases and the license's terms in.

Dates. Every period is a whole number of `months` from an *anchor* (the purchase or the
upgrade), using calendar.add_months, which clamps to the last day of a shorter month:
bought 2024-02-29 → maintenance until 2025-02-28. A renewal adds exactly one block to the
previous end, whenever it is bought; the end it gives keeps the anchor's day, so a license
bought on Feb 29 renews to Feb 29 again in the next leap year instead of drifting to the
28th for ever (`anchor + n·months`, not `end + months` repeated).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from licensor.core.calendar import add_months
from licensor.maintenance.versions import Version

# Reasons of an update check: the `reason` of its answer, a stable code apps switch on.
ALLOWED = "ALLOWED"
MAINTENANCE_EXPIRED = "MAINTENANCE_EXPIRED"
MAJOR_UPGRADE_REQUIRED = "MAJOR_UPGRADE_REQUIRED"
UNKNOWN_VERSION = "UNKNOWN_VERSION"


def first_end(start: datetime, months: int) -> datetime:
    """A new license, or an upgrade: `months` from that moment, replacing any earlier period."""
    return add_months(start, months)


def _blocks_from_anchor(anchor: datetime, end: datetime, months: int) -> int | None:
    """How many months from `anchor` reach `end` exactly, if `end` lies on the anchor's grid."""
    span = (end.year - anchor.year) * 12 + (end.month - anchor.month)
    if span <= 0 or span % months or add_months(anchor, span) != end:
        return None
    return span


def renewed_end(end: datetime, months: int, anchor: datetime | None = None) -> datetime:
    """The end after one renewal: exactly one block after `end`, early or late alike.

    With the period's `anchor` (purchase or upgrade moment) the new end keeps the anchor's
    day of month; an `end` that is not on the anchor's grid (set by hand) just moves by
    `months`.
    """
    span = _blocks_from_anchor(anchor, end, months) if anchor is not None else None
    if anchor is None or span is None:
        return add_months(end, months)
    return add_months(anchor, span + months)


def shortened_end(end: datetime, months: int, anchor: datetime | None = None) -> datetime:
    """The end with one renewal block taken back (a refunded renewal): inverse of renewed_end."""
    span = _blocks_from_anchor(anchor, end, months) if anchor is not None else None
    if anchor is None or span is None or span - months <= 0:
        return add_months(end, -months)
    return add_months(anchor, span - months)


def in_maintenance(maintenance_until: datetime | None, released_at: datetime) -> bool:
    """A release is covered iff it came out on or before the end instant."""
    return maintenance_until is not None and released_at <= maintenance_until


# -- update policy ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Release:
    version: Version
    released_at: datetime


@dataclass(frozen=True)
class UpdateTerms:
    """What a license's key says about updates."""

    maintenance_months: int | None  # the product's policy: None = no maintenance
    maintenance_until: datetime | None
    major_version: int | None  # licensed major version (desktop); None = not major-bound


@dataclass(frozen=True)
class UpdateDecision:
    version: Version
    allowed: bool
    reason: str
    latest_allowed: Version | None
    latest: Version | None


def release_reason(terms: UpdateTerms, release: Release) -> str:
    """Why this license may (ALLOWED) or may not install this release."""
    if terms.maintenance_months is not None:
        return (ALLOWED if in_maintenance(terms.maintenance_until, release.released_at)
                else MAINTENANCE_EXPIRED)
    if terms.major_version is not None and release.version.major > terms.major_version:
        return MAJOR_UPGRADE_REQUIRED
    # Every release of the licensed major version (and of earlier ones) is free.
    return ALLOWED


def check_update(terms: UpdateTerms, releases: Iterable[Release],
                 version: Version) -> UpdateDecision:
    ordered = sorted(releases, key=lambda r: r.version)
    latest = ordered[-1].version if ordered else None
    allowed = [r.version for r in ordered if release_reason(terms, r) == ALLOWED]
    latest_allowed = allowed[-1] if allowed else None
    asked = next((r for r in ordered if r.version == version), None)
    if asked is None:
        return UpdateDecision(version, False, UNKNOWN_VERSION, latest_allowed, latest)
    reason = release_reason(terms, asked)
    return UpdateDecision(version, reason == ALLOWED, reason, latest_allowed, latest)
