from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from licensor.core.web.deps import Ctx, WriteSession, now_for
from licensor.core.web.openapi import refusals
from licensor.licenses.registrations import service as registrations
from licensor.licenses.schemas import Registration, Unregistered

router = APIRouter(prefix="/v1/registrations", tags=["registrations"])


class RegistrationBody(BaseModel):
    license_name: str = Field(max_length=1000)
    license_key: str = Field(max_length=4096)
    user: str = Field(max_length=1000)

    model_config = {"json_schema_extra": {"examples": [
        {"license_name": "Acme Inc", "license_key": "eJx...signed...",
         "user": "ana@acme.example"}]}}

# What a License Key that cannot be used answers (the validation code is in details).
_KEY_REFUSALS = ("INVALID_LICENSE", "LICENSE_SUPERSEDED", "LICENSE_REVOKED")


@router.post("", operation_id="register", status_code=201, response_model=Registration, responses={
    200: {"model": Registration, "description": "That user was already registered: the same "
          "seat"}, **refusals(*_KEY_REFUSALS, "SEATS_EXHAUSTED")})
def register(body: RegistrationBody, response: Response, ctx: Ctx,
             session: WriteSession) -> dict[str, Any]:
    reg, created = registrations.register(
        ctx, session, license_name=body.license_name, license_key=body.license_key,
        user=body.user, now=now_for(ctx, session))
    if not created:
        response.status_code = 200
    return Registration.view(reg)


@router.post("/unregister", operation_id="unregister", response_model=Unregistered,
             responses=refusals(*_KEY_REFUSALS, "NOT_REGISTERED"))
def unregister(body: RegistrationBody, ctx: Ctx, session: WriteSession) -> dict[str, Any]:
    reg = registrations.unregister(
        ctx, session, license_name=body.license_name, license_key=body.license_key,
        user=body.user, now=now_for(ctx, session))
    return {"unregistered": True, "user": reg.user, "license_id": reg.license_id}
