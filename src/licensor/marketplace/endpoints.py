"""Marketplace migration: customers ask (with their License Information), admins complete."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from licensor.catalog.rules import MAX_SEATS
from licensor.core.errors import LicensorError
from licensor.core.web.deps import Admin, Ctx, ReadSession, WriteSession, now_for, page_limit
from licensor.core.web.openapi import Cursor, Limit, refusals
from licensor.core.web.paging import fetch_size, keyset_page
from licensor.marketplace import service as marketplace
from licensor.marketplace.models import MigrationRequestRow
from licensor.marketplace.schemas import Migration, MigrationList, migration_view

router = APIRouter(prefix="/v1/migrations", tags=["marketplace migration"])


class Address(BaseModel):
    model_config = ConfigDict(extra="ignore")
    line1: str = Field(max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    city: str = Field(max_length=100)
    region: str | None = Field(default=None, max_length=100, description="State or province")
    postal_code: str = Field(max_length=20)
    country: str = Field(max_length=100, description="Country, e.g. an ISO 3166 code such as US")


class MigrationBody(BaseModel):
    license_name: str = Field(max_length=1000)
    license_key: str = Field(max_length=4096)
    hosting: Literal["server", "cloud"]
    server_user_tier: int | None = Field(
        default=None, ge=1, le=MAX_SEATS,
        description="The user tier of the server the license is installed on; null = unlimited. "
                    "Required for hosting=server.")
    agree_to_upgrade: bool = False
    marketplace_email: str = Field(max_length=320)
    holder_first_name: str = Field(max_length=200)
    holder_last_name: str = Field(max_length=200)
    organisation: str = Field(max_length=200)
    address: Address

    model_config = {"json_schema_extra": {"examples": [
        {"license_name": "Acme Inc", "license_key": "eJx...signed...", "hosting": "server",
         "server_user_tier": 10, "agree_to_upgrade": False,
         "marketplace_email": "it@acme.example", "holder_first_name": "Ana",
         "holder_last_name": "Diaz", "organisation": "Acme Inc",
         "address": {"line1": "1 Main St", "city": "Springfield", "postal_code": "12345",
                     "country": "US"}}]}}


class CompleteBody(BaseModel):
    sen: str = Field(max_length=64, description="The marketplace's license number, e.g. SEN-L1234")

    model_config = {"json_schema_extra": {"examples": [{"sen": "SEN-L1234"}]}}


class RejectBody(BaseModel):
    reason: str = Field(max_length=2000, description="Told to the customer")

    model_config = {"json_schema_extra": {"examples": [{"reason": "The license is for cloud "
                                                                  "hosting."}]}}


def _cursor(row: MigrationRequestRow) -> str:
    raw = f"{row.created_at.isoformat()}|{row.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(cursor: str | None) -> tuple[datetime, str] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, last_id = raw.partition("|")
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None or not last_id:
            raise ValueError(raw)
    except ValueError:
        raise LicensorError("INVALID_REQUEST", "cursor is not one this list returned; start "
                            "again without it.", {"field": "cursor"}) from None
    return moment, last_id


@router.post("", operation_id="requestMigration",
             status_code=201, response_model=Migration, response_model_exclude_unset=True,
             responses=refusals("CLOUD_NOT_ELIGIBLE", "TIER_MISMATCH", "ALREADY_MARKETPLACE",
                                "INVALID_LICENSE", "LICENSE_SUPERSEDED", "LICENSE_REVOKED",
                                "MIGRATION_ALREADY_OPEN", "INVALID_TIER", "UNKNOWN_PRODUCT"))
def request_migration(body: MigrationBody, ctx: Ctx, session: WriteSession) -> dict[str, Any]:
    """Ask to move a direct server license to the marketplace (authenticated by its key)."""
    if body.hosting == "server" and "server_user_tier" not in body.model_fields_set:
        raise LicensorError("INVALID_REQUEST", "The field 'server_user_tier' is required: the "
                            "user tier of your server (null for unlimited).",
                            {"field": "server_user_tier"})
    data = marketplace.MigrationInput(**body.model_dump(exclude={"address"}),
                                      address=body.address.model_dump())
    row = marketplace.request_migration(ctx, session, data, now=now_for(ctx, session))
    return migration_view(row)


@router.get("", operation_id="listMigrations",
            response_model=MigrationList, response_model_exclude_unset=True)
def list_migrations(session: ReadSession, _admin: Admin, status: str = "open",
                    limit: Limit = None, cursor: Cursor = None) -> dict[str, Any]:
    """Migration requests, oldest first; by default the open ones (pending, awaiting_upgrade)."""
    size = page_limit(limit)
    rows = marketplace.page(session, marketplace.statuses_for(status), limit=fetch_size(size),
                            after=_after(cursor))
    page, next_cursor = keyset_page(rows, size, _cursor)
    return {"data": [migration_view(r) for r in page], "next_cursor": next_cursor}


@router.get("/{migration_id}", operation_id="getMigration",
            response_model=Migration, response_model_exclude_unset=True,
            responses=refusals("MIGRATION_NOT_FOUND"))
def get_migration(migration_id: str, session: ReadSession, _admin: Admin) -> dict[str, Any]:
    return migration_view(marketplace.get_migration(session, migration_id))


@router.post("/{migration_id}/complete", operation_id="completeMigration", response_model=Migration,
             response_model_exclude_unset=True,
             responses=refusals("MIGRATION_NOT_FOUND", "MIGRATION_NOT_PENDING", "SEN_IN_USE"))
def complete_migration(migration_id: str, body: CompleteBody, ctx: Ctx, session: WriteSession,
                       admin: Admin) -> dict[str, Any]:
    """Record the marketplace's SEN: the license becomes a marketplace license."""
    row, lic = marketplace.complete(ctx, session, migration_id, body.sen,
                                    now=now_for(ctx, session), actor=admin)
    return migration_view(row, lic)


@router.post("/{migration_id}/reject", operation_id="rejectMigration", response_model=Migration,
             response_model_exclude_unset=True,
             responses=refusals("MIGRATION_NOT_FOUND", "MIGRATION_NOT_PENDING"))
def reject_migration(migration_id: str, body: RejectBody, ctx: Ctx, session: WriteSession,
                     admin: Admin) -> dict[str, Any]:
    """Close an open request without migrating; the customer is told the reason."""
    row = marketplace.reject(ctx, session, migration_id, body.reason,
                             now=now_for(ctx, session), actor=admin)
    return migration_view(row)
