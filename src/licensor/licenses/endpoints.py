from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

from fastapi import APIRouter, BackgroundTasks, Query, Response
from pydantic import BaseModel, Field

from licensor.catalog import service as catalog
from licensor.catalog.rules import MAX_SEATS
from licensor.core import signed_answers
from licensor.core.context import Context
from licensor.core.web.deps import (
    Admin,
    Ctx,
    ReadSession,
    WriteSession,
    deliver_mail,
    now_for,
    page_limit,
)
from licensor.core.web.openapi import Cursor, Limit, LongLimit, TimeInput, refusals
from licensor.core.web.paging import fetch_size, keyset_page, page_of
from licensor.licenses import service as licenses
from licensor.licenses import validation
from licensor.licenses.repository import LicenseRepository, RegistrationRepository
from licensor.licenses.schemas import (
    License,
    LicenseList,
    LostKeyAccepted,
    Registration,
    RegistrationList,
    Validation,
)

log = logging.getLogger("licensor.api")


@asynccontextmanager
async def _hot_path_lifespan(app: Any) -> AsyncIterator[None]:
    yield
    validation.close(app.state.ctx)  # the validation connection of this process (hot_path.py)


router = APIRouter(prefix="/v1/licenses", tags=["licenses"], lifespan=_hot_path_lifespan)


class LicenseCreate(BaseModel):
    product: str = Field(max_length=64)
    # The range is the catalog's rule, checked by the service (INVALID_SEATS, as for quotes);
    # here it is only documented.
    seats: int | None = Field(default=None, strict=True,
                              json_schema_extra={"minimum": 1, "maximum": MAX_SEATS},
                              description="Seats; null for an unlimited tier")
    license_name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    channel: Literal["direct", "marketplace"] = "direct"
    sen: str | None = Field(default=None, max_length=64)
    purchased_at: TimeInput | None = None
    academic: bool = Field(default=False, description="An academic license (server tiers)")
    institution: str | None = Field(default=None, max_length=200,
                                    description="Required when academic")

    model_config = {"json_schema_extra": {"examples": [
        {"product": "desktop", "seats": 5, "license_name": "Acme Inc",
         "email": "it@acme.example"}]}}


class LicenseInformation(BaseModel):
    license_name: str = Field(max_length=1000)
    # No length limit: a key that is not one is answered MALFORMED, however long (only a body
    # over LICENSOR_MAX_BODY_BYTES is refused, with 413).
    license_key: str
    product: str | None = Field(default=None, max_length=64)
    nonce: str | None = Field(default=None, max_length=signed_answers.MAX_NONCE,
                              description="Echoed in the signed answer (at most 128 characters)")

    model_config = {"json_schema_extra": {"examples": [
        {"license_name": "Acme Inc", "license_key": "eJx...signed...", "product": "desktop"}]}}


class RevokeBody(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)

    model_config = {"json_schema_extra": {"examples": [{"reason": "Refunded (order LIC-000042)"}]}}


class LostKeyBody(BaseModel):
    email: str = Field(max_length=320)

    model_config = {"json_schema_extra": {"examples": [{"email": "it@acme.example"}]}}


@router.post("", operation_id="createLicense", status_code=201, response_model=License,
             responses=refusals("UNKNOWN_PRODUCT", "INVALID_SEATS", "INVALID_TIER",
                                "PRODUCT_NOT_PERPETUAL", "ACADEMIC_NOT_AVAILABLE"))
def create_license(body: LicenseCreate, ctx: Ctx, session: WriteSession,
                   admin: Admin) -> dict[str, Any]:
    now = now_for(ctx, session)
    product = catalog.get_product(session, body.product)
    row = licenses.issue_license(
        ctx, session, product=product, seats=body.seats, license_name=body.license_name,
        email=body.email, channel=body.channel, sen=body.sen, purchased_at=body.purchased_at,
        now=now, actor=admin, academic=body.academic, institution=body.institution)
    return License.view(row, registrations=[])


@router.get("", operation_id="searchLicenses", response_model=LicenseList)
def search_licenses(session: ReadSession, _admin: Admin, email: str | None = None,
                    product: str | None = None, q: str | None = None, limit: Limit = None,
                    cursor: Cursor = None) -> dict[str, Any]:
    size = page_limit(limit)
    rows = LicenseRepository(session).search(email=email, product=product, q=q,
                                             limit=fetch_size(size), after_id=cursor)
    page, next_cursor = keyset_page(rows, size, lambda r: r.id)
    return {"data": [License.view(r) for r in page], "next_cursor": next_cursor}


@router.post("/validate", operation_id="validateLicense", response_class=Response, responses={
    200: {"model": Validation, "description": "The verdict; `valid` is false for a key that is "
          "not one (MALFORMED), however long. Signed in the Licensor-Signature header."}})
def validate(body: LicenseInformation, ctx: Ctx, session: ReadSession) -> Response:
    """The verdict, signed (`Licensor-Signature`); usually answered by hot_path.py."""
    answer = licenses.validate(ctx, session, body.license_name, body.license_key,
                               body.product).to_json()
    content, signature = signed_answers.sign(ctx.keyring, session, validation.PATH, answer,
                                             body.nonce)
    return Response(content, media_type="application/json",
                    headers={signed_answers.HEADER: signature})


@router.post("/lost-key", operation_id="sendLostKeys",
             status_code=202, response_model=LostKeyAccepted)
async def lost_key(body: LostKeyBody, ctx: Ctx, background: BackgroundTasks) -> dict[str, Any]:
    # The answer goes before anything is looked up: the same words in the same time whether or
    # not the address bought anything. The look-up and the mail follow on their own.
    background.add_task(_send_lost_keys, ctx, body.email)
    return {"status": "accepted", "message": "If licenses were bought with this address, their "
            "License Information is on its way to it."}


def _send_lost_keys(ctx: Context, email: str) -> None:
    try:
        with ctx.db.transaction() as session:
            licenses.mail_lost_keys(ctx, session, email, ctx.clock.now(session))
        deliver_mail(ctx)
    except Exception:  # nobody is waiting for this answer: log it, as the jobs loop does
        log.exception("lost-key mail failed")


@router.get("/{license_id}", operation_id="getLicense",
            response_model=License, responses=refusals("LICENSE_NOT_FOUND"))
def get_license(license_id: str, session: ReadSession, _admin: Admin) -> dict[str, Any]:
    return License.view(licenses.get_license(session, license_id))


@router.get("/{license_id}/registrations", operation_id="listRegistrations",
            response_model=RegistrationList,
            responses=refusals("LICENSE_NOT_FOUND"))
def list_registrations(license_id: str, session: ReadSession, _admin: Admin,
                       limit: LongLimit = None,
                       cursor: str | None = Query(default=None, max_length=64)) -> dict[str, Any]:
    row = licenses.get_license(session, license_id)
    regs = RegistrationRepository(session).for_license(row.id)
    page, next_cursor = page_of(regs, lambda r: r.id, limit, cursor)
    return {"data": [Registration.view(r) for r in page], "next_cursor": next_cursor,
            "seats": row.seats, "registered": len(regs)}


@router.post("/{license_id}/revoke", operation_id="revokeLicense", response_model=License,
             responses=refusals("LICENSE_NOT_FOUND", "LICENSE_ALREADY_REVOKED"))
def revoke(license_id: str, body: RevokeBody, ctx: Ctx, session: WriteSession,
           admin: Admin) -> dict[str, Any]:
    row = licenses.revoke(ctx, session, license_id, body.reason, now=now_for(ctx, session),
                          actor=admin)
    return License.view(row)



