"""Release artifacts and downloads: a release's file per platform, signed with the active
signing key; download links for the licenses the update rule allows (maintenance.rules, the
one home of that rule); the download counts the console shows.

The artifact upload streams into the store's spool file in the endpoint; this module keeps
the finished file and records it.
"""

from __future__ import annotations

import base64
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from nacl.signing import SigningKey
from sqlalchemy.orm import Session

from licensor.config import Settings
from licensor.core import audit
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.formats import human_date
from licensor.core.web import portal
from licensor.core.web.views import iso
from licensor.maintenance import rules as update_rules
from licensor.maintenance import service as maintenance
from licensor.maintenance.versions import parse_version
from licensor.releases import rules
from licensor.releases.models import ArtifactRow
from licensor.releases.repository import ArtifactRepository
from licensor.releases.storage import ArtifactStore, store_for

_stores: dict[tuple[str, str | None], ArtifactStore] = {}


def store(settings: Settings) -> ArtifactStore:
    """This process's artifact store (LICENSOR_ARTIFACTS), made once."""
    key = (settings.artifacts_location, settings.s3_endpoint_url)
    if key not in _stores:
        _stores[key] = store_for(settings.artifacts_location, settings.home,
                                 settings.s3_endpoint_url)
    return _stores[key]


# -- names --------------------------------------------------------------------------------------

def check_platform(platform: str) -> str:
    if not rules.PLATFORM_RE.match(platform):
        raise LicensorError("INVALID_REQUEST", "platform must be 1 to 32 lower-case letters, "
                            "digits, dots, dashes or underscores, starting with a letter or "
                            "digit (e.g. windows-x64).", {"field": "platform"})
    return platform


def check_filename(filename: str) -> str:
    if not rules.FILENAME_RE.match(filename) or ".." in filename:
        raise LicensorError("INVALID_REQUEST", "filename must be a plain file name (letters, "
                            "digits, spaces, dots, dashes, underscores, plus signs, parentheses; "
                            "at most 200 characters), e.g. Mockups-3.5.0.exe.",
                            {"field": "filename"})
    return filename


# -- views --------------------------------------------------------------------------------------

def artifact_view(row: ArtifactRow) -> dict[str, Any]:
    return {"product": row.product, "version": row.version, "platform": row.platform,
            "filename": row.filename, "size": row.size, "sha256": row.sha256,
            "signature": row.signature, "kid": row.kid}


def release_view(session: Session, row: Any) -> dict[str, Any]:
    """A release with its artifacts (`row` is maintenance's release)."""
    artifacts = ArtifactRepository(session).for_release(row.product, row.version)
    return {**maintenance.release_view(row), "artifacts": [artifact_view(a) for a in artifacts]}


def releases_with_artifacts(session: Session, product_code: str,
                            after: str | None = None) -> list[dict[str, Any]]:
    rows = maintenance.list_releases(session, product_code, after=after)
    by_release: dict[str, list[dict[str, Any]]] = {}
    for artifact in ArtifactRepository(session).for_product(product_code):
        by_release.setdefault(artifact.version, []).append(artifact_view(artifact))
    return [{**maintenance.release_view(r), "artifacts": by_release.get(r.version, [])}
            for r in rows]


def download_counts(session: Session, product_code: str) -> dict[tuple[str, str], int]:
    """Downloads per (version, platform), for the console."""
    return {(a.version, a.platform): a.downloads
            for a in ArtifactRepository(session).for_product(product_code)}


# -- upload -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Spooled:
    """An upload streamed to the store's disk: where, how long, and its SHA-256."""

    path: Path
    size: int
    sha256: str


def sign_artifact(signer: SigningKey, product: str, version: str, platform: str,
                  sha256_hex: str) -> str:
    """The artifact's signature: standard base64 Ed25519 over its statement."""
    statement = rules.artifact_statement(product, version, platform, sha256_hex)
    return base64.b64encode(signer.sign(statement).signature).decode("ascii")


def keep_artifact(ctx: Context, session: Session, product_code: str, version_text: str,
                  platform: str, filename: str, spooled: Spooled, *, now: datetime,
                  actor: str) -> tuple[ArtifactRow, bool]:
    """Sign the uploaded file's digest, keep the file and record it (replacing the platform's
    earlier file); returns the artifact and whether it is new."""
    release = maintenance.get_release(session, product_code, version_text)
    check_platform(platform)
    check_filename(filename)
    kid, signer = ctx.keyring.signer(session)
    signature = sign_artifact(signer, release.product, release.version, platform,
                              spooled.sha256)
    key = rules.storage_key(release.product, release.version, platform, spooled.sha256, filename)
    store(ctx.settings).put(key, spooled.path)
    repo = ArtifactRepository(session)
    row = repo.get(release.product, release.version, platform)
    before = artifact_view(row) if row is not None else None
    if row is None:
        row = ArtifactRow(product=release.product, version=release.version, platform=platform,
                          downloads=0)
        session.add(row)
    row.filename, row.size, row.sha256 = filename, spooled.size, spooled.sha256
    row.signature, row.kid, row.storage_key, row.uploaded_at = signature, kid, key, now
    session.flush()
    audit.record(session, actor=actor, action="release.artifact_uploaded",
                 entity_type="release", entity_id=f"{release.product}@{release.version}",
                 before=before, after=artifact_view(row), now=now)
    return row, before is None


# -- downloads ----------------------------------------------------------------------------------

def _not_allowed(decision: update_rules.DownloadDecision, product_name: str,
                 until: datetime | None) -> LicensorError:
    latest = str(decision.latest_allowed) if decision.latest_allowed else None
    if decision.reason == update_rules.MAINTENANCE_EXPIRED:
        why = (f"this license's maintenance ended on {human_date(until)}" if until else
               "this license has no maintenance") + "; renew maintenance to download it"
    else:
        why = "it is a new major version: upgrade the license to download it"
    also = f" (the newest you may download is {latest})" if latest else ""
    return LicensorError("DOWNLOAD_NOT_ALLOWED", f"This {product_name} release is not covered: "
                         f"{why}{also}.", {"reason": decision.reason, "latest_allowed": latest},
                         status=403)


def choose_artifact(ctx: Context, session: Session, license_name: str, license_key: str,
                    platform: str, version_text: str | None, channel: str) -> ArtifactRow:
    """The file this License Information may download for `platform`: that version, or the
    newest of the channel it may update to."""
    check_platform(platform)
    maintenance.check_channel(channel)
    version = parse_version(version_text) if version_text is not None else None
    held = maintenance.licensed_releases(ctx, session, license_name, license_key)
    files = {a.version: a for a in ArtifactRepository(session).for_product(held.product.code)
             if a.platform == platform}
    unknown_platform = LicensorError(
        "UNKNOWN_PLATFORM", f"There is no {held.product.name} download for {platform!r}"
        + (f" in version {version}" if version else "") + "; choose one of the platforms the "
        "release lists.", {"platform": platform}, status=404)
    if version is not None and all(r.version != version for r in held.releases):
        raise LicensorError("UNKNOWN_VERSION", f"{held.product.name} has no release {version}; "
                            "see the product's releases for the versions there are.",
                            {"version": str(version)}, status=404)
    if version is not None and str(version) not in files:
        raise unknown_platform
    candidates = [r for r in held.releases if str(r.version) in files]
    if not candidates:
        raise unknown_platform
    decision = update_rules.choose_download(held.terms, candidates, version=version,
                                            channel=channel)
    if decision.release is None:
        if decision.reason == update_rules.UNKNOWN_VERSION:  # nothing on this channel
            raise unknown_platform
        raise _not_allowed(decision, held.product.name, held.license.maintenance_until)
    return files[str(decision.release.version)]


def link(ctx: Context, row: ArtifactRow, now: datetime) -> tuple[str, datetime]:
    """A download address (path and query) valid LICENSOR_DOWNLOAD_LINK_SECONDS of real time:
    `now` is the wall clock, never the sandbox clock."""
    expires_at = (now + timedelta(seconds=ctx.settings.download_link_seconds)).replace(
        microsecond=0)
    expires = int(expires_at.timestamp())
    mac = portal.sign(ctx, "download", rules.link_statement(
        row.product, row.version, row.platform, row.sha256, expires))
    return ((f"/v1/downloads/{row.product}/{row.version}/{row.platform}"
            f"?expires={expires}&signature={mac}"), expires_at)


def offer(ctx: Context, session: Session, row: ArtifactRow, base_url: str,
          now: datetime) -> dict[str, Any]:
    path, expires_at = link(ctx, row, now)
    return {**artifact_view(row), "url": base_url.rstrip("/") + path,
            "expires_at": iso(expires_at)}


def open_link(ctx: Context, session: Session, product: str, version: str, platform: str,
              expires: str, signature: str, now: datetime) -> ArtifactRow:
    """The artifact a download link names; a link not made here (or for a file since
    replaced) is 404 NOT_FOUND, an expired one 410 DOWNLOAD_LINK_EXPIRED."""
    row = ArtifactRepository(session).get(product, version, platform)
    forged = LicensorError("NOT_FOUND", "This download link is not valid; get a new one from "
                           "the downloads page.", status=404)
    if row is None or not expires.isdigit() or len(expires) > 12:
        raise forged
    expected = portal.sign(ctx, "download", rules.link_statement(
        product, version, platform, row.sha256, int(expires)))
    if not hmac.compare_digest(expected, signature):
        raise forged
    if int(expires) < now.timestamp():
        raise LicensorError("DOWNLOAD_LINK_EXPIRED", "This download link has expired (links "
                            "work for a limited time); get a new one from the downloads page.",
                            {"expired_at": iso(datetime.fromtimestamp(int(expires), UTC))},
                            status=410)
    return row


def count_download(session: Session, row: ArtifactRow) -> None:
    ArtifactRepository(session).count_download(row.product, row.version, row.platform)


# -- the portal's list ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Listed:
    """One release's file on the downloads page: `reason` ALLOWED, or why it may not be had."""

    artifact: ArtifactRow
    channel: str
    released_at: datetime
    reason: str


def downloads_for(ctx: Context, session: Session, license_name: str, license_key: str
                  ) -> tuple[Any, dict[str, list[Listed]]]:
    """The license's product, and per platform every stable release's file, newest first,
    each with the update rule's reason (the same rule as POST /v1/downloads)."""
    held = maintenance.licensed_releases(ctx, session, license_name, license_key)
    files: dict[str, list[ArtifactRow]] = {}
    for artifact in ArtifactRepository(session).for_product(held.product.code):
        files.setdefault(artifact.version, []).append(artifact)
    platforms: dict[str, list[Listed]] = {}
    for release in sorted(held.releases, key=lambda r: r.version, reverse=True):
        if release.channel != update_rules.STABLE:
            continue
        reason = update_rules.release_reason(held.terms, release)
        for artifact in files.get(str(release.version), []):
            platforms.setdefault(artifact.platform, []).append(
                Listed(artifact, release.channel, release.released_at, reason))
    return held.product, dict(sorted(platforms.items()))
