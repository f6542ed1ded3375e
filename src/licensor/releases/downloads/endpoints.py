"""Downloads: a license asks for a release's file (the update rule decides) and gets a signed
link; the link serves the bytes (ranges, ETag, HEAD) or redirects to the S3 store."""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, RedirectResponse
from starlette.responses import Response
from starlette.types import Send

from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.web.clients import base_url
from licensor.core.web.deps import Ctx, ReadSession
from licensor.core.web.openapi import refusals
from licensor.releases import service as releases
from licensor.releases.models import ArtifactRow
from licensor.releases.schemas import DownloadBody, DownloadOffer

router = APIRouter(prefix="/v1/downloads", tags=["downloads"])


class ArtifactFile(FileResponse):
    """A release file. Servers with the ASGI path-send extension (granian) send it themselves;
    otherwise it is read in 1 MiB pieces on the event loop (os.pread: the pages are mostly in
    the page cache), since Starlette's trip to a worker thread for every 64 KiB piece halved
    the throughput of a download against a plain static server (bench/downloads.py)."""

    chunk_size = 1024 * 1024

    async def _handle_simple(self, send: Send, send_header_only: bool,
                             send_pathsend: bool) -> None:
        if send_header_only or send_pathsend:
            await super()._handle_simple(send, send_header_only, send_pathsend)
            return
        await send({"type": "http.response.start", "status": self.status_code,
                    "headers": self.raw_headers})
        fd = os.open(self.path, os.O_RDONLY)
        try:
            size, offset = os.fstat(fd).st_size, 0
            while True:
                chunk = os.pread(fd, self.chunk_size, offset)
                offset += len(chunk)
                more = bool(chunk) and offset < size
                await send({"type": "http.response.body", "body": chunk, "more_body": more})
                if not more:
                    return
        finally:
            os.close(fd)


@router.post("", operation_id="offerDownload", response_model=DownloadOffer, responses=refusals(
    "DOWNLOAD_NOT_ALLOWED", "UNKNOWN_VERSION", "UNKNOWN_PLATFORM", "LICENSE_REVOKED",
    "INVALID_LICENSE", "INVALID_VERSION", "INVALID_REQUEST"))
def offer(body: DownloadBody, request: Request, ctx: Ctx,
          session: ReadSession) -> dict[str, Any]:
    """The file of the newest release of `channel` (beta includes stable) this license may
    update to for `platform`, or of that `version`, with a download link valid
    LICENSOR_DOWNLOAD_LINK_SECONDS of real time (no session needed to follow it)."""
    row = releases.choose_artifact(ctx, session, body.license_name, body.license_key,
                                   body.platform, body.version, body.channel)
    return releases.offer(ctx, session, row, base_url(request), ctx.clock.real_now())


def _counted(ctx: Context, row: ArtifactRow) -> None:
    with ctx.db.transaction() as session:
        releases.count_download(session, row)


def _serve(request: Request, ctx: Context, session: Any, product: str, version: str,
           platform: str, expires: str, signature: str) -> Response:
    now = ctx.clock.real_now()
    row = releases.open_link(ctx, session, product, version, platform, expires, signature, now)
    session.rollback()  # nothing more to read: the connection is not held while bytes flow
    first_byte = request.headers.get("range", "bytes=0-").replace(" ", "").startswith("bytes=0-")
    if request.method == "GET" and first_byte:
        _counted(ctx, row)  # a download begun; a resumed one is not counted again
    store = releases.store(ctx.settings)
    path = store.local_path(row.storage_key)
    if path is None:
        seconds = int(expires) - int(now.timestamp())
        url = store.redirect_url(row.storage_key, row.filename, seconds)
        if url is None:  # a directory store whose file was removed by hand
            raise LicensorError("NOT_FOUND", "The file of this release is missing from the "
                                "server's store; ask the vendor's support to upload it again.",
                                {"product": product, "version": version,
                                 "platform": platform})
        return RedirectResponse(url, status_code=307)
    return ArtifactFile(path, filename=row.filename, media_type="application/octet-stream",
                        headers={"ETag": f'"{row.sha256}"', "Cache-Control": "private"})


LINK_REFUSALS = refusals("NOT_FOUND", "DOWNLOAD_LINK_EXPIRED")


BYTES = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}


@router.get("/{product}/{version}/{platform}", operation_id="downloadArtifact",
            response_class=Response, responses={
    200: {"description": "The file's bytes (Content-Length, ETag = its SHA-256, Accept-Ranges)",
          "content": BYTES},
    206: {"description": "The byte range asked for", "content": BYTES},
    307: {"description": "To the S3 store's presigned address (valid at most an hour)"},
    **LINK_REFUSALS})
def download(product: str, version: str, platform: str, request: Request, ctx: Ctx,
             session: ReadSession, expires: str = Query(max_length=20),
             signature: str = Query(max_length=128)) -> Response:
    """A download link's bytes; `Range` gives 206. An expired link is 410
    DOWNLOAD_LINK_EXPIRED, one not made by this server 404."""
    return _serve(request, ctx, session, product, version, platform, expires, signature)


@router.head("/{product}/{version}/{platform}", response_class=Response,
             include_in_schema=False)
def download_head(product: str, version: str, platform: str, request: Request, ctx: Ctx,
                  session: ReadSession, expires: str = Query(max_length=20),
                  signature: str = Query(max_length=128)) -> Response:
    return _serve(request, ctx, session, product, version, platform, expires, signature)

