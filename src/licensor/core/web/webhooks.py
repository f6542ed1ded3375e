"""Stripe webhooks: signature-checked, recorded in the audit log; a held payment that the
customer confirmed later completes what it paid for."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from licensor.core import audit, payments
from licensor.core.clock import wall_clock
from licensor.core.context import Context
from licensor.core.stripe_webhooks import verify_webhook
from licensor.core.web.deps import Ctx, now_for
from licensor.core.web.openapi import refusals
from licensor.core.web.schemas import WebhookReceived

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

MAX_BODY = 1_000_000


# The endpoint reads the raw body (the signature covers its bytes), so its shape is given here.
STRIPE_REQUEST = {
    "parameters": [{"name": "Stripe-Signature", "in": "header", "required": True,
                    "schema": {"type": "string"}, "example": "t=1768469400,v1=5257a869..."}],
    "requestBody": {"required": True, "content": {"application/json": {
        "schema": {"type": "object", "description": "A Stripe event"},
        "example": {"id": "evt_1", "type": "payment_intent.succeeded",
                    "data": {"object": {"id": "pi_1", "metadata": {"licensor_key": "k"}}}}}}},
}


@router.post("/stripe", response_model=WebhookReceived, openapi_extra=STRIPE_REQUEST,
             responses=refusals("WEBHOOK_SIGNATURE_INVALID"))
async def stripe_webhook(request: Request, ctx: Ctx) -> dict[str, Any]:
    payload = (await request.body())[:MAX_BODY]
    header = request.headers.get("stripe-signature")
    return await run_in_threadpool(_record, ctx, payload, header)


def _record(ctx: Context, payload: bytes, header: str | None) -> dict[str, Any]:
    with ctx.db.writer() as session:  # its own session: the endpoint reads the raw body
        answer, event = _verify_and_record(ctx, session, payload, header)
        session.commit()
    if answer["type"] == "payment_intent.succeeded":
        _paid_later(ctx, event)
    return answer


def _paid_later(ctx: Context, event: dict[str, Any]) -> None:
    """A PaymentIntent Licensor no longer waited for succeeded (the customer confirmed a 3-D
    Secure payment): fulfil what it paid for, or refund it. Stripe retries a failed delivery."""
    intent = (event.get("data") or {}).get("object") or {}
    key = (intent.get("metadata") or {}).get("licensor_key")
    if isinstance(key, str) and isinstance(intent.get("id"), str):
        payments.paid_later(ctx, key, intent["id"])


def _verify_and_record(ctx: Context, session: Session, payload: bytes,
                       header: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    now = now_for(ctx, session)
    # Stripe signs with its own (real) time: the sandbox clock, moved for tests, is no measure.
    event = verify_webhook(payload, header, ctx.settings.stripe_webhook_secret,
                           int(wall_clock().timestamp()))
    event_id, kind = str(event.get("id", ""))[:64], str(event.get("type", ""))[:100]
    # Payments are confirmed synchronously, except those a bank held for the customer's
    # confirmation (`_paid_later`); other events (refunds or disputes made in the dashboard)
    # are kept for the operator in the audit log.
    audit.record(session, actor="stripe", action=f"stripe.{kind}", entity_type="stripe_event",
                 entity_id=event_id, before=None, after={"type": kind}, now=now)
    return {"received": True, "id": event_id, "type": kind}, event
