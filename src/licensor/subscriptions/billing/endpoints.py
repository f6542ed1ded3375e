"""A subscription's billing details over HTTP: who is invoiced, where, and with which VAT ID
(docs/tax.md); the invoices from then on are taxed by them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from licensor.accounts.deps import Account
from licensor.core import audit
from licensor.core.web.deps import Ctx, WriteSession, now_for
from licensor.core.web.openapi import refusals
from licensor.subscriptions import access
from licensor.subscriptions.schemas import Subscription, subscription_view
from licensor.tax import billing_details

router = APIRouter(prefix="/v1", tags=["subscriptions"])


class BillingDetailsBody(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    company: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=1000)
    country: str | None = Field(default=None, max_length=2, description="ISO 3166 alpha-2")
    vat_id: str | None = Field(default=None, max_length=40)

    model_config = {"json_schema_extra": {"examples": [
        {"name": "Ana Diaz", "company": "Acme GmbH", "country": "DE",
         "vat_id": "DE136695976"}]}}


@router.put("/subscriptions/{subscription_id}/billing-details", operation_id="putBillingDetails",
            response_model=Subscription,
            responses=refusals("SUBSCRIPTION_NOT_FOUND", "NOT_BILLING_ADMIN",
                               "COUNTRY_REQUIRED", "INVALID_VAT_ID"))
def put_billing_details(subscription_id: str, body: BillingDetailsBody, ctx: Ctx,
                        session: WriteSession, account: Account) -> dict[str, Any]:
    sub, site = access.subscription_for(session, subscription_id[:64], account, for_update=True)
    access.require_billing(site, sub, account)
    details = billing_details.billing_details(ctx, session, body.model_dump())
    before = sub.billing_details
    sub.billing_details = details
    session.flush()
    audit.record(session, actor=f"account:{account.id}", action="subscription.billing_details",
                 entity_type="subscription", entity_id=sub.id, before=before, after=details,
                 now=now_for(ctx, session))
    return subscription_view(sub)
