"""Releases of a product and their artifacts (admin writes, public reads).

The artifact upload is the one route whose body is not JSON: the file's raw bytes, streamed
to the store's disk in bounded chunks (the JSON body limit does not apply to it; app.py
exempts it), so a 4 GiB file never sits in memory.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.web.deps import Admin, Ctx, ReadSession, WriteSession, now_for, page_limit
from licensor.core.web.openapi import Limit, refusals
from licensor.maintenance import service as maintenance
from licensor.releases import service as releases
from licensor.releases.schemas import Artifact, Release, ReleaseBody, ReleaseList
from licensor.releases.storage import discard

router = APIRouter(prefix="/v1/products", tags=["releases"])

ARTIFACT_PATH = r"^/v1/products/[^/]+/releases/[^/]+/artifacts/[^/]+$"
CHUNK = 1024 * 1024  # written to disk in pieces of about this size


@router.put("/{code}/releases/{version}", operation_id="putRelease",
            response_model=Release, responses={
    201: {"model": Release, "description": "A new release"},
    **refusals("UNKNOWN_PRODUCT", "PRODUCT_NOT_PERPETUAL", "INVALID_VERSION")})
def put_release(code: str, version: str, body: ReleaseBody, response: Response, ctx: Ctx,
                session: WriteSession, admin: Admin) -> dict[str, Any]:
    """Create or replace a release (201 when new, 200 when replaced); `channel` stable (the
    default) or beta, and `notes`."""
    row, created = maintenance.put_release(session, code, version, body.released_at,
                                           now=now_for(ctx, session), actor=admin,
                                           channel=body.channel, notes=body.notes)
    response.status_code = 201 if created else 200
    return releases.release_view(session, row)


@router.get("/{code}/releases", operation_id="listReleases", response_model=ReleaseList,
            responses=refusals("UNKNOWN_PRODUCT"))
def list_releases(code: str, session: ReadSession, limit: Limit = None,
                  cursor: str | None = Query(default=None, max_length=64)) -> dict[str, Any]:
    """The product's releases with their artifacts, oldest version first (semantic version
    order); `cursor` is the last version of the previous page."""
    size = page_limit(limit, default=100)
    views = releases.releases_with_artifacts(session, code, after=cursor)
    page = views[:size]
    return {"data": page, "next_cursor": page[-1]["version"] if len(views) > size else None}


def _check_upload(ctx: Context, code: str, version: str, platform: str, filename: str) -> None:
    with ctx.db.reader() as session:
        maintenance.get_release(session, code, version)
    releases.check_platform(platform)
    releases.check_filename(filename)


async def _spool(request: Request, ctx: Context) -> releases.Spooled:
    """The request body into the store's spool file, hashed on the way; 413 past the limit."""
    limit = ctx.settings.max_artifact_bytes
    target = releases.store(ctx.settings).spool()
    path, digest, size, pending = Path(target.name), hashlib.sha256(), 0, bytearray()
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise LicensorError("PAYLOAD_TOO_LARGE", too_large_message(ctx),
                                    {"limit": limit})
            digest.update(chunk)
            pending += chunk
            if len(pending) >= CHUNK:
                await to_thread.run_sync(target.write, bytes(pending))
                pending.clear()
        await to_thread.run_sync(target.write, bytes(pending))
        target.close()
    except BaseException:
        target.close()
        discard(path)
        raise
    return releases.Spooled(path, size, digest.hexdigest())


def _keep(ctx: Context, code: str, version: str, platform: str, filename: str,
          spooled: releases.Spooled, actor: str) -> tuple[dict[str, Any], bool]:
    session: Session
    with ctx.db.transaction() as session:
        row, created = releases.keep_artifact(ctx, session, code, version, platform, filename,
                                              spooled, now=ctx.clock.now(session), actor=actor)
        return Artifact.view(row), created


@router.put("/{code}/releases/{version}/artifacts/{platform}", operation_id="uploadArtifact",
            response_model=Artifact,
            status_code=201, openapi_extra={"requestBody": {"required": True, "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}},
            responses={200: {"model": Artifact, "description": "The platform's file, replaced"},
                       **refusals("UNKNOWN_PRODUCT", "UNKNOWN_VERSION", "INVALID_VERSION",
                                  "INVALID_REQUEST", "PAYLOAD_TOO_LARGE")})
async def upload_artifact(code: str, version: str, platform: str, request: Request,
                          response: Response, ctx: Ctx, admin: Admin,
                          filename: str = Query(max_length=200)) -> dict[str, Any]:
    """Upload the release's file for `platform` as the raw body (application/octet-stream, up
    to LICENSOR_MAX_ARTIFACT_BYTES): its size, SHA-256 and Ed25519 signature are recorded.
    201 when new, 200 when it replaces the platform's earlier file."""
    await to_thread.run_sync(_check_upload, ctx, code, version, platform, filename)
    announced = request.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > ctx.settings.max_artifact_bytes:
        raise LicensorError("PAYLOAD_TOO_LARGE", too_large_message(ctx),
                            {"limit": ctx.settings.max_artifact_bytes},
                            headers={"Connection": "close"})
    spooled = await _spool(request, ctx)
    try:
        view, created = await to_thread.run_sync(_keep, ctx, code, version, platform, filename,
                                                 spooled, admin)
    finally:
        discard(spooled.path)  # kept files were moved away; this only clears a failed one
    response.status_code = 201 if created else 200
    return view


def too_large_message(ctx: Context) -> str:
    limit = ctx.settings.max_artifact_bytes
    return (f"The file is larger than the {limit}-byte limit (LICENSOR_MAX_ARTIFACT_BYTES); "
            "raise the limit or upload a smaller file.")

