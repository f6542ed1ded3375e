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

from licensor.catalog.rules import Product
from licensor.core.calendar import add_months
from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.maintenance.versions import Version

# Reasons of an update check: the `reason` of its answer, a stable code apps switch on.
ALLOWED = "ALLOWED"
MAINTENANCE_EXPIRED = "MAINTENANCE_EXPIRED"
MAJOR_UPGRADE_REQUIRED = "MAJOR_UPGRADE_REQUIRED"
UNKNOWN_VERSION = "UNKNOWN_VERSION"

# Release channels: beta includes stable (a beta tester also gets every stable release).
STABLE = "stable"
BETA = "beta"
CHANNELS = (STABLE, BETA)


# A license whose product no longer sells maintenance still renews or gives back a block of
# this many months (the catalog's maintenance_months, when set, wins).
DEFAULT_BLOCK_MONTHS = 12


def block_months(maintenance_months: int | None) -> int:
    """The length of one maintenance block: the product's policy, else DEFAULT_BLOCK_MONTHS."""
    return maintenance_months or DEFAULT_BLOCK_MONTHS


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


def no_maintenance(product: Product) -> LicensorError:
    return LicensorError("NO_MAINTENANCE", f"{product.name} has no maintenance to renew: "
                         + ("every release of the licensed major version is free; a new major "
                            "version is a paid upgrade." if product.major_version is not None
                            else "its updates are not sold in maintenance blocks."),
                         {"product": product.code})


def renewal_price(product: Product, seats: int | None) -> Money:
    """One block: the tier's (or seats') list price today × the product's renewal_price_ratio,
    rounded to the minor unit half-to-even (Money.scaled). No ratio = the full list price."""
    if product.pricing is None:
        raise no_maintenance(product)
    price = product.pricing.list_price(seats)
    ratio = product.renewal_price_ratio
    return price if ratio is None else price.scaled(ratio)


def in_maintenance(maintenance_until: datetime | None, released_at: datetime) -> bool:
    """A release is covered iff it came out on or before the end instant."""
    return maintenance_until is not None and released_at <= maintenance_until


# -- update policy ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Release:
    version: Version
    released_at: datetime
    channel: str = STABLE


def on_channel(release: Release, channel: str) -> bool:
    return channel == BETA or release.channel == STABLE


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


def latest_allowed(terms: UpdateTerms, releases: Iterable[Release]) -> Release | None:
    """The newest of `releases` this license may install (the update check's and a download's
    `latest_allowed`)."""
    allowed = [r for r in releases if release_reason(terms, r) == ALLOWED]
    return max(allowed, key=lambda r: r.version) if allowed else None


def check_update(terms: UpdateTerms, releases: Iterable[Release],
                 version: Version) -> UpdateDecision:
    """`latest` and `latest_allowed` name stable releases: an app is not pointed at a beta;
    a beta version asked for by name is answered like any other."""
    ordered = sorted(releases, key=lambda r: r.version)
    stable = [r for r in ordered if r.channel == STABLE]
    latest = stable[-1].version if stable else None
    newest_allowed = latest_allowed(terms, stable)
    allowed_version = newest_allowed.version if newest_allowed else None
    asked = next((r for r in ordered if r.version == version), None)
    if asked is None:
        return UpdateDecision(version, False, UNKNOWN_VERSION, allowed_version, latest)
    reason = release_reason(terms, asked)
    return UpdateDecision(version, reason == ALLOWED, reason, allowed_version, latest)


@dataclass(frozen=True)
class DownloadDecision:
    """What a download asks for: `release` when allowed, else why not (`reason`)."""

    release: Release | None
    reason: str
    latest_allowed: Version | None


def choose_download(terms: UpdateTerms, releases: Iterable[Release], *,
                    version: Version | None, channel: str) -> DownloadDecision:
    """Downloads follow the update rule exactly: `version` when the license may update to it,
    else the newest release of `channel` it may update to. `releases` are the candidates (a
    caller passes those that have a file for the platform asked)."""
    ordered = sorted(releases, key=lambda r: r.version)
    offered = [r for r in ordered if on_channel(r, channel)]
    newest = latest_allowed(terms, offered)
    newest_version = newest.version if newest else None
    if version is not None:
        asked = next((r for r in ordered if r.version == version), None)
        if asked is None:
            return DownloadDecision(None, UNKNOWN_VERSION, newest_version)
        reason = release_reason(terms, asked)
        return DownloadDecision(asked if reason == ALLOWED else None, reason, newest_version)
    if newest is not None:
        return DownloadDecision(newest, ALLOWED, newest.version)
    if not offered:
        return DownloadDecision(None, UNKNOWN_VERSION, None)
    return DownloadDecision(None, release_reason(terms, offered[-1]), None)
