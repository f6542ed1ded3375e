"""JSON shapes of webhook endpoints, events and deliveries, and the request bodies."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from licensor.core.web.views import iso
from licensor.webhooks.models import WebhookDeliveryRow, WebhookEndpointRow, WebhookEventRow

EventName = str


class EndpointCreate(BaseModel):
    url: str = Field(max_length=2048, description="https:// in production")
    events: list[EventName] = Field(max_length=100, description='Event types, or ["*"]')
    description: str | None = Field(default=None, max_length=500)


class EndpointPatch(BaseModel):
    url: str | None = Field(default=None, max_length=2048)
    events: list[EventName] | None = Field(default=None, max_length=100)
    description: str | None = Field(default=None, max_length=500)
    status: Literal["enabled", "disabled"] | None = None


def endpoint_view(row: WebhookEndpointRow, secret: str | None = None) -> dict[str, Any]:
    view = {"id": row.id, "url": row.url, "events": row.events,
            "description": row.description, "status": row.status,
            "disabled_reason": row.disabled_reason, "created_at": iso(row.created_at)}
    if secret is not None:
        view["secret"] = secret
    return view


def event_view(row: WebhookEventRow) -> dict[str, Any]:
    return {"id": row.id, "type": row.type, "created_at": iso(row.created_at), "data": row.data}


def delivery_view(row: WebhookDeliveryRow) -> dict[str, Any]:
    return {"id": row.id, "event_id": row.event_id, "event_type": row.event_type,
            "attempt": row.attempt, "status": row.status,
            "response_status": row.response_status, "response_body": row.response_body,
            "error": row.error, "duration_ms": row.duration_ms,
            "next_attempt_at": iso(row.next_attempt_at), "created_at": iso(row.created_at),
            "attempted_at": iso(row.attempted_at)}
