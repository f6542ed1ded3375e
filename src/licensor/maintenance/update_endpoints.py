"""The update check: may this License Information install that version? (read-only)"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from licensor.core.web.deps import Ctx, ReadSession
from licensor.maintenance import service as maintenance

router = APIRouter(prefix="/v1/updates", tags=["updates"])


class UpdateCheckBody(BaseModel):
    license_name: str = Field(max_length=1000)
    license_key: str = Field(max_length=4096)
    version: str = Field(max_length=200)


@router.post("/check")
def check(body: UpdateCheckBody, ctx: Ctx, session: ReadSession) -> dict[str, Any]:
    """`allowed`, the `reason` (ALLOWED, MAINTENANCE_EXPIRED, MAJOR_UPGRADE_REQUIRED,
    UNKNOWN_VERSION), the newest version this license may install and the newest overall."""
    return maintenance.check_update(ctx, session, body.license_name, body.license_key,
                                    body.version)
