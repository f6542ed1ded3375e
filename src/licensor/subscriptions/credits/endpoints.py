"""POST /v1/sites/{site_id}/desktop-credit: a desktop license turned into credit on the site's
subscription (by the site's owner or billing admin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from licensor.accounts.deps import Account
from licensor.core.web.deps import NO_NUL, Ctx, WriteSession, now_for
from licensor.core.web.openapi import Answer, example, refusals
from licensor.core.web.openapi import Money as MoneyAnswer
from licensor.subscriptions.credits.service import credit_site
from licensor.subscriptions.schemas import SUBSCRIPTION_EXAMPLE, Subscription, subscription_view

router = APIRouter(prefix="/v1", tags=["subscriptions"])
PathId = Annotated[str, Path(max_length=200, pattern=NO_NUL)]


class DesktopCreditBody(BaseModel):
    license_name: str = Field(max_length=1000, pattern=NO_NUL)
    license_key: str = Field(max_length=4096, pattern=NO_NUL)

    model_config = {"json_schema_extra": {"examples": [
        {"license_name": "Acme Inc", "license_key": "eyJ2IjoxLCJraWQiOiJrMSJ9.c2lnbmF0dXJl"}]}}


class DesktopCredit(Answer):
    license_id: str
    credited: MoneyAnswer
    subscription: Subscription

    model_config = example({
        "license_id": "3f1c2a9e-5d7b-4c8a-9e21-6b0f4d2c8a17",
        "credited": {"amount": 21450, "currency": "USD"},
        "subscription": {**SUBSCRIPTION_EXAMPLE,
                         "credit_balance": {"amount": 21450, "currency": "USD"}}})


@router.post("/sites/{site_id}/desktop-credit", operation_id="createSiteDesktopCredit",
             response_model=DesktopCredit,
             responses=refusals("SITE_NOT_FOUND", "SITE_SUSPENDED", "NOT_BILLING_ADMIN",
                                "SUBSCRIPTION_NOT_ACTIVE", "INVALID_LICENSE", "LICENSE_REVOKED",
                                "LICENSE_SUPERSEDED", "NOTHING_TO_CREDIT",
                                "CREDIT_ALREADY_USED", "CURRENCY_MISMATCH"))
def desktop_credit(site_id: PathId, body: DesktopCreditBody, ctx: Ctx, session: WriteSession,
                   account: Account) -> dict[str, Any]:
    """Turn a desktop license into credit on this site's paid subscription: its credit balance
    grows by half of what was paid for the license (every paid order of the license and of
    the licenses it upgraded), and pays the next invoices first. Once per license; the license
    keeps working. The caller is the site's owner or billing admin."""
    credit = credit_site(ctx, session, account, site_id, license_name=body.license_name,
                         license_key=body.license_key, now=now_for(ctx, session))
    return {"license_id": credit.license_id, "credited": credit.credited.to_json(),
            "subscription": subscription_view(credit.subscription)}
