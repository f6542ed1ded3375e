from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from licensor.core.models import SigningKeyRow
from licensor.core.web.deps import Admin, Ctx, ReadSession, WriteSession, now_for
from licensor.core.web.openapi import LongLimit, refusals
from licensor.core.web.paging import page_of
from licensor.licenses.schemas import SigningKey, SigningKeyList

router = APIRouter(prefix="/v1/signing-keys", tags=["signing keys"])


def key_view(row: SigningKeyRow) -> dict[str, Any]:
    return SigningKey.view(row, algorithm="Ed25519")  # the only algorithm: not in the row


@router.get("", operation_id="listSigningKeys", response_model=SigningKeyList)
def list_keys(ctx: Ctx, session: ReadSession, limit: LongLimit = None,
              cursor: str | None = Query(default=None, max_length=64)) -> dict[str, Any]:
    """Every signing key, oldest first (one page unless `limit` is given; `cursor` is a kid)."""
    page, next_cursor = page_of(ctx.keyring.all(session), lambda r: r.kid, limit, cursor)
    return {"data": [key_view(r) for r in page], "next_cursor": next_cursor}


@router.post("/rotate", operation_id="rotateSigningKey", status_code=201, response_model=SigningKey)
def rotate(ctx: Ctx, session: WriteSession, admin: Admin) -> dict[str, Any]:
    row = ctx.keyring.rotate(session, now_for(ctx, session), admin)
    return key_view(row)


@router.post("/{kid}/retire", operation_id="retireSigningKey", response_model=SigningKey,
             responses=refusals("SIGNING_KEY_NOT_FOUND", "SIGNING_KEY_ACTIVE"))
def retire(kid: str, ctx: Ctx, session: WriteSession, admin: Admin) -> dict[str, Any]:
    row = ctx.keyring.retire(session, kid, now_for(ctx, session), admin)
    return key_view(row)
