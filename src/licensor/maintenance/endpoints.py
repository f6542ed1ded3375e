"""Releases of a product: what update checks compare against (admin writes, public reads)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from licensor.core.web.deps import Admin, Ctx, ReadSession, WriteSession, now_for, page_limit
from licensor.core.web.openapi import Limit, TimeInput, refusals
from licensor.maintenance import service as maintenance
from licensor.maintenance.schemas import Release, ReleaseList

router = APIRouter(prefix="/v1/products", tags=["releases"])


class ReleaseBody(BaseModel):
    released_at: TimeInput

    model_config = {"json_schema_extra": {"examples": [{"released_at": "2026-01-15T09:30:00Z"}]}}


@router.put("/{code}/releases/{version}", response_model=Release, responses={
    201: {"model": Release, "description": "A new release"},
    **refusals("UNKNOWN_PRODUCT", "PRODUCT_NOT_PERPETUAL", "INVALID_VERSION")})
def put_release(code: str, version: str, body: ReleaseBody, response: Response, ctx: Ctx,
                session: WriteSession, admin: Admin) -> dict[str, Any]:
    """Create or replace a release (201 when new, 200 when replaced)."""
    row, created = maintenance.put_release(session, code, version, body.released_at,
                                           now=now_for(ctx, session), actor=admin)
    response.status_code = 201 if created else 200
    return maintenance.release_view(row)


@router.get("/{code}/releases", response_model=ReleaseList,
            responses=refusals("UNKNOWN_PRODUCT"))
def list_releases(code: str, session: ReadSession, limit: Limit = None,
                  cursor: str | None = Query(default=None, max_length=64)) -> dict[str, Any]:
    """The product's releases, oldest version first (semantic version order); `cursor` is
    the last version of the previous page."""
    size = page_limit(limit, default=100)
    rows = maintenance.list_releases(session, code, after=cursor)
    page = rows[:size]
    return {"data": [maintenance.release_view(r) for r in page],
            "next_cursor": page[-1].version if len(rows) > size else None}
