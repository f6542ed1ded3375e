"""Releases of a product: what update checks compare against (admin writes, public reads)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime, BaseModel

from licensor.core.web.deps import Admin, Ctx, ReadSession, WriteSession, now_for, page_limit
from licensor.maintenance import service as maintenance

router = APIRouter(prefix="/v1/products", tags=["releases"])


class ReleaseBody(BaseModel):
    released_at: AwareDatetime


@router.put("/{code}/releases/{version}")
def put_release(code: str, version: str, body: ReleaseBody, response: Response, ctx: Ctx,
                session: WriteSession, admin: Admin) -> dict[str, Any]:
    """Create or replace a release (201 when new, 200 when replaced)."""
    row, created = maintenance.put_release(session, code, version, body.released_at,
                                           now=now_for(ctx, session), actor=admin)
    response.status_code = 201 if created else 200
    return maintenance.release_view(row)


@router.get("/{code}/releases")
def list_releases(code: str, session: ReadSession, limit: int | None = None,
                  cursor: str | None = Query(default=None, max_length=64)) -> dict[str, Any]:
    """The product's releases, oldest version first (semantic version order); `cursor` is
    the last version of the previous page."""
    size = page_limit(limit, default=100)
    rows = maintenance.list_releases(session, code, after=cursor)
    page = rows[:size]
    return {"data": [maintenance.release_view(r) for r in page],
            "next_cursor": page[-1].version if len(rows) > size else None}
