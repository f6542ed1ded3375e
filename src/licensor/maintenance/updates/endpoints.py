"""The update check: may this License Information install that version? (read-only)"""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from licensor.core import signed_answers
from licensor.core.web.deps import Ctx, ReadSession
from licensor.core.web.openapi import refusals
from licensor.maintenance import service as maintenance
from licensor.maintenance.schemas import UpdateCheck

router = APIRouter(prefix="/v1/updates", tags=["updates"])


class UpdateCheckBody(BaseModel):
    license_name: str = Field(max_length=1000)
    license_key: str = Field(max_length=4096)
    version: str = Field(max_length=200)

    model_config = {"json_schema_extra": {"examples": [
        {"license_name": "Acme Inc", "license_key": "eJx...signed...", "version": "4.2.0"}]}}
    nonce: str | None = Field(default=None, max_length=signed_answers.MAX_NONCE,
                              description="Echoed in the signed answer (at most 128 characters)")


PATH = "/v1/updates/check"


@router.post("/check", operation_id="checkForUpdates", response_class=Response, responses={
    200: {"model": UpdateCheck, "description": "The decision, signed in the Licensor-Signature "
          "header"},
    **refusals("INVALID_LICENSE", "LICENSE_REVOKED", "INVALID_VERSION", "UNKNOWN_PRODUCT")})
def check(body: UpdateCheckBody, ctx: Ctx, session: ReadSession) -> Response:
    """`allowed`, the `reason` (ALLOWED, MAINTENANCE_EXPIRED, MAJOR_UPGRADE_REQUIRED,
    UNKNOWN_VERSION), the newest version this license may install and the newest overall;
    signed (`Licensor-Signature`, with `issued_at` and the `nonce` in the body)."""
    answer = maintenance.check_update(ctx, session, body.license_name, body.license_key,
                                      body.version)
    content, signature = signed_answers.sign(ctx.keyring, session, PATH, answer, body.nonce)
    return Response(content, media_type="application/json",
                    headers={signed_answers.HEADER: signature})
