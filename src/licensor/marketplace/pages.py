"""/migrate: ask to move a direct server license to the marketplace (the API's fields)."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import Response

from licensor.core.errors import LicensorError
from licensor.core.web.deps import Ctx, ReadSession, WriteSession, now_for
from licensor.core.web.portal import Form, redirect, render, sign
from licensor.licenses.pasted import read_pasted
from licensor.marketplace import service as marketplace

router = APIRouter(include_in_schema=False)

ADDRESS = ("line1", "city", "postal_code", "country")
FIELD_BY_CODE = {"TIER_MISMATCH": "server_user_tier", "INVALID_TIER": "server_user_tier",
                 "CLOUD_NOT_ELIGIBLE": "hosting"}


def _field_of(exc: LicensorError) -> str:
    named = exc.details.get("field") if isinstance(exc.details, dict) else None
    if isinstance(named, str) and named:
        return named.replace("address.", "address_").replace("buyer.", "")
    return FIELD_BY_CODE.get(exc.code, "license_key")


@router.get("/migrate")
def migrate_start(request: Request) -> Response:
    return render(request, "marketplace/migrate.html", form={"hosting": "server"}, errors={},
                  migration=None)


@router.post("/migrate")
def migrate_post(request: Request, ctx: Ctx, session: WriteSession, form: Form) -> Response:
    name, key = read_pasted(form.get("license_name", ""), form.get("license_key", ""))
    values = {**form, "license_name": name, "license_key": key}
    tier_text = form.get("server_user_tier", "").strip()
    try:
        if tier_text and not (tier_text.isdigit() and len(tier_text) < 9):
            raise LicensorError("INVALID_TIER", "Server user tier must be a whole number, or "
                                "empty for unlimited.", {"field": "server_user_tier"})
        data = marketplace.MigrationInput(
            license_name=name, license_key=key, hosting=form.get("hosting", "server"),
            server_user_tier=int(tier_text) if tier_text else None,
            agree_to_upgrade=form.get("agree_to_upgrade") == "yes",
            marketplace_email=form.get("marketplace_email", ""),
            holder_first_name=form.get("holder_first_name", ""),
            holder_last_name=form.get("holder_last_name", ""),
            organisation=form.get("organisation", ""),
            address={k: form.get(f"address_{k}", "") for k in ADDRESS})
        row = marketplace.request_migration(ctx, session, data, now=now_for(ctx, session))
    except LicensorError as exc:
        return render(request, "marketplace/migrate.html", status=exc.status, form=values,
                      errors={_field_of(exc): exc.message, "_code": exc.code}, migration=None)
    # Redirected (reloading sends no second request) to the request's page, whose address is
    # signed: nobody else can read it by guessing ids.
    return redirect(request, f"/migrate/requests/{row.id}?sig={sign(ctx, 'migration', row.id)}")


@router.get("/migrate/requests/{migration_id}")
def migrate_received(request: Request, migration_id: str, ctx: Ctx,
                     session: ReadSession) -> Response:
    signature = request.query_params.get("sig", "")
    if not hmac.compare_digest(sign(ctx, "migration", migration_id[:64]), signature[:128]):
        raise LicensorError("MIGRATION_NOT_FOUND", "There is no request at this address; use "
                            "the address your browser showed after sending it.", status=404)
    row = marketplace.get_migration(session, migration_id)
    return render(request, "marketplace/migrate.html", form={}, errors={}, migration=row)
