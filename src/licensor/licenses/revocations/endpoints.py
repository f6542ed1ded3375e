"""`GET /v1/revocations`: the signed revocation list (public; licenses/revocations/service.py)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from licensor.core.web.deps import Ctx
from licensor.licenses.revocations import service as revocations
from licensor.licenses.schemas import RevocationList

router = APIRouter(prefix="/v1/revocations", tags=["licenses"])

_DESCRIPTION = (
    '`{"format": "licensor-revocations-v1", "kid", "payload", "signature"}`: `payload` is the '
    'base64url text of `{"issued_at", "next_update", "sequence", "licenses"}` (ids of licenses '
    "that no longer validate: revoked or refunded; superseded ones stay valid and are not "
    "listed), `signature` the base64 Ed25519 signature of the payload text's ASCII bytes by "
    "the signing key `kid` (GET /v1/signing-keys). Save it to a file and it verifies offline.")


@router.get("", operation_id="getRevocationList", response_class=Response, responses={200: {
    "description": _DESCRIPTION, "model": RevocationList, "content": {"application/json": {"example": {
        "format": "licensor-revocations-v1", "kid": "1a2b3c4d",
        "payload": "eyJpc3N1ZWRfYXQiOiIyMDI2LTAxLTE1VDA5OjMwOjAwWiIsLi4ufQ",
        "signature": "base64 Ed25519 signature"}}}}})
async def revocation_list(ctx: Ctx) -> Response:
    """The signed revocation list. Served from memory (re-read at most once a second), so it is
    as cheap as a health check; the database is touched in a worker thread only then."""
    body = revocations.cached_document(ctx)
    if body is None:
        body = await run_in_threadpool(revocations.current_document, ctx)
    return Response(body, media_type="application/json")
