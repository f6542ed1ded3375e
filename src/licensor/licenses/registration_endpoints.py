from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from licensor.core.web.deps import Ctx, WriteSession, now_for
from licensor.licenses import registrations
from licensor.licenses.schemas import registration_view

router = APIRouter(prefix="/v1/registrations", tags=["registrations"])


class RegistrationBody(BaseModel):
    license_name: str = Field(max_length=1000)
    license_key: str = Field(max_length=4096)
    user: str = Field(max_length=1000)


@router.post("", status_code=201)
def register(body: RegistrationBody, response: Response, ctx: Ctx,
             session: WriteSession) -> dict[str, Any]:
    reg, created = registrations.register(
        ctx, session, license_name=body.license_name, license_key=body.license_key,
        user=body.user, now=now_for(ctx, session))
    if not created:
        response.status_code = 200
    return registration_view(reg)


@router.post("/unregister")
def unregister(body: RegistrationBody, ctx: Ctx, session: WriteSession) -> dict[str, Any]:
    reg = registrations.unregister(
        ctx, session, license_name=body.license_name, license_key=body.license_key,
        user=body.user, now=now_for(ctx, session))
    return {"unregistered": True, "user": reg.user, "license_id": reg.license_id}
