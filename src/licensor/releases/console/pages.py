"""The console's releases (/admin/releases): a product's releases per channel, newest first,
with each platform's file and its download count; administrators add releases and upload
files (a form with a file: spooled to disk as it is read, never held whole in memory)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from licensor.catalog import service as catalog
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.web import console, portal
from licensor.core.web.console import Staff, StaffAdmin
from licensor.core.web.deps import Ctx, ReadSession, WriteSession, now_for
from licensor.core.web.portal import Form, redirect
from licensor.maintenance import service as maintenance
from licensor.releases import service as releases
from licensor.releases.pages import human_size
from licensor.releases.storage import discard

router = APIRouter(include_in_schema=False)
UPLOAD_PATH = "/admin/releases/upload"


def _page(request: Request, session: Session, product_code: str | None, *,
          errors: dict[str, str] | None = None, form: dict[str, str] | None = None,
          status: int = 200) -> Response:
    products = [p for p in catalog.list_products(session) if p.is_perpetual]
    chosen = next((p for p in products if p.code == product_code), products[0] if products
                  else None)
    views = releases.releases_with_artifacts(session, chosen.code) if chosen else []
    counts = releases.download_counts(session, chosen.code) if chosen else {}
    return console.render(
        request, "admin/releases.html", status=status, products=products, product=chosen,
        releases=list(reversed(views)), counts=counts, human_size=human_size,
        errors=errors or {}, form=form or {}, done=request.query_params.get("done", "")[:20])


@router.get("/admin/releases")
def releases_page(request: Request, session: ReadSession, _staff: Staff) -> Response:
    return _page(request, session, request.query_params.get("product"))


@router.post("/admin/releases")
def add_release(request: Request, ctx: Ctx, session: WriteSession, member: StaffAdmin,
                form: Form) -> Response:
    product = form.get("product", "")
    try:
        moment = portal_moment(form.get("released_at", ""))
        maintenance.put_release(session, product, form.get("version", ""), moment,
                                now=now_for(ctx, session), actor=member.actor,
                                channel=form.get("channel", "stable"),
                                notes=form.get("notes", "")[:20000])
    except LicensorError as exc:
        field = {"INVALID_VERSION": "version", "INVALID_REQUEST": "released_at"}.get(
            exc.code, "_form")
        session.rollback()
        return _page(request, session, product, status=exc.status, form=dict(form),
                     errors={field: exc.message, "_code": exc.code})
    return redirect(request, f"/admin/releases?product={product}&done=release")


def portal_moment(text: str) -> Any:
    """A date (midnight UTC) or an RFC 3339 time typed in the form."""
    from datetime import UTC, datetime

    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise LicensorError("INVALID_REQUEST", "Released at is a date such as 2026-03-04 (or a "
                            "time such as 2026-03-04T09:30:00Z).", {"field": "released_at"}
                            ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


async def _spooled(ctx: Context, upload: UploadFile) -> releases.Spooled:
    """The form's file (already on disk past 1 MiB) into the store's spool, hashed."""
    target = releases.store(ctx.settings).spool()
    digest, size = hashlib.sha256(), 0
    try:
        while chunk := await upload.read(1024 * 1024):
            size += len(chunk)
            if size > ctx.settings.max_artifact_bytes:
                raise LicensorError("PAYLOAD_TOO_LARGE", "The file is larger than the "
                                    f"{ctx.settings.max_artifact_bytes}-byte limit.",
                                    {"limit": ctx.settings.max_artifact_bytes})
            digest.update(chunk)
            await to_thread.run_sync(target.write, chunk)
    except BaseException:
        target.close()
        discard(Path(target.name))
        raise
    target.close()
    return releases.Spooled(Path(target.name), size, digest.hexdigest())


def _keep(ctx: Context, form: dict[str, str], filename: str, spooled: releases.Spooled,
          actor: str) -> None:
    with ctx.db.transaction() as session:
        releases.keep_artifact(ctx, session, form.get("product", ""), form.get("version", ""),
                               form.get("platform", "").strip(), filename, spooled,
                               now=ctx.clock.now(session), actor=actor)


async def _refused(request: Request, ctx: Context, product: str, form: dict[str, str],
                   exc: LicensorError) -> Response:
    field = {"INVALID_REQUEST": str(exc.details.get("field", "file")),
             "UNKNOWN_VERSION": "upload_version", "INVALID_VERSION": "upload_version",
             "PAYLOAD_TOO_LARGE": "file"}.get(exc.code, "file")
    field = {"filename": "file", "platform": "platform"}.get(field, field)

    def page() -> Response:
        with ctx.db.reader() as session:
            return _page(request, session, product, status=exc.status, form=form,
                         errors={field: exc.message, "_code": exc.code})
    return await to_thread.run_sync(page)


@router.post(UPLOAD_PATH)
async def upload(request: Request, ctx: Ctx, member: StaffAdmin) -> Response:
    """**Upload**: a release's file for one platform (multipart form; app.py lets this route
    past the JSON body limit, so its own limit is checked here)."""
    announced = request.headers.get("content-length", "")
    if not announced.isdigit() or int(announced) > ctx.settings.max_artifact_bytes + 65536:
        raise LicensorError("PAYLOAD_TOO_LARGE", "The file is larger than the "
                            f"{ctx.settings.max_artifact_bytes}-byte limit.",
                            {"limit": ctx.settings.max_artifact_bytes})
    async with request.form(max_files=1, max_fields=10) as data:
        form = {k: v for k, v in data.items() if isinstance(v, str)}
        portal.check_csrf(request, form.get(portal.CSRF_FIELD, ""))
        file = data.get("file")
        product = form.get("product", "")
        if not isinstance(file, UploadFile) or not file.filename:
            return await _refused(request, ctx, product, form, LicensorError(
                "INVALID_REQUEST", "Choose the file to upload.", {"field": "file"}))
        spooled = await _spooled(ctx, file)
        try:
            await to_thread.run_sync(_keep, ctx, {**form, "version": form.get(
                "upload_version", "")}, Path(file.filename).name, spooled, member.actor)
        except LicensorError as exc:
            return await _refused(request, ctx, product, form, exc)
        finally:
            discard(spooled.path)
    return redirect(request, f"/admin/releases?product={product}&done=upload")
