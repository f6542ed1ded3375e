"""POST /v1/credits/desktop-to-plugin (admin): a desktop license turned into a single-use
coupon for server plugins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from licensor.core.web.deps import NO_NUL, Admin, Ctx, WriteSession, now_for
from licensor.core.web.openapi import refusals
from licensor.discounts import service as discounts
from licensor.discounts.credits.service import desktop_to_plugin
from licensor.discounts.schemas import Coupon

router = APIRouter(prefix="/v1/credits", tags=["coupons"])


class DesktopToPluginBody(BaseModel):
    license_name: str = Field(max_length=1000, pattern=NO_NUL)
    license_key: str = Field(max_length=4096, pattern=NO_NUL)

    model_config = {"json_schema_extra": {"examples": [
        {"license_name": "Acme Inc", "license_key": "eyJ2IjoxLCJraWQiOiJrMSJ9.c2lnbmF0dXJl"}]}}


@router.post("/desktop-to-plugin", operation_id="createDesktopToPluginCredit",
             status_code=201, response_model=Coupon,
             responses=refusals("INVALID_LICENSE", "LICENSE_REVOKED", "LICENSE_SUPERSEDED",
                                "NOTHING_TO_CREDIT", "CREDIT_ALREADY_USED"))
def create_desktop_to_plugin(body: DesktopToPluginBody, ctx: Ctx, session: WriteSession,
                             admin: Admin) -> dict[str, Any]:
    """A coupon (code DESKTOP-XXXXXXXX) worth half of the desktop license's value at today's
    volume prices, once, for the server plugins of the desktop product's credit policy only.
    A license gives credit once: as this coupon or on a myBalsamiq site. The license keeps
    working."""
    row = desktop_to_plugin(ctx, session, body.license_name, body.license_key,
                            now=now_for(ctx, session), actor=admin)
    return discounts.coupon_json(row)
