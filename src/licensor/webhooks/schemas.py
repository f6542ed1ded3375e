"""JSON shapes of webhook endpoints, events and deliveries, and the request bodies."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from licensor.core.web.openapi import Answer, Timestamp, example
from licensor.webhooks.enums import EventName


class EndpointCreate(BaseModel):
    url: str = Field(max_length=2048, description="https:// in production")
    # Text, not EventName: an unknown name is refused with its own code (UNKNOWN_EVENT_TYPE).
    events: list[str] = Field(max_length=100, description='Event types, or ["*"]')
    description: str | None = Field(default=None, max_length=500)

    model_config = example({"url": "https://vendor.example/hooks/licensor",
                            "events": ["order.fulfilled"], "description": "ERP"})


class EndpointPatch(BaseModel):
    url: str | None = Field(default=None, max_length=2048)
    events: list[str] | None = Field(default=None, max_length=100)
    description: str | None = Field(default=None, max_length=500)
    status: Literal["enabled", "disabled"] | None = None

    model_config = example({"status": "disabled"})


# -- answers ----------------------------------------------------------------------------------

NOW = "2026-01-15T09:30:00Z"
ENDPOINT_EXAMPLE = {"id": "we_1", "url": "https://vendor.example/hooks/licensor",
                    "events": ["order.fulfilled"], "description": "ERP", "status": "enabled",
                    "disabled_reason": None, "created_at": NOW}
EVENT_EXAMPLE = {"id": "evt_1", "type": "order.fulfilled", "created_at": NOW,
                 "data": {"id": "ord_7Hq2", "status": "fulfilled"}}
DELIVERY_EXAMPLE = {"id": "del_1", "event_id": "evt_1", "event_type": "order.fulfilled",
                    "attempt": 1, "status": "succeeded", "response_status": 200,
                    "response_body": "ok", "error": None, "duration_ms": 42,
                    "next_attempt_at": None, "created_at": NOW, "attempted_at": NOW}


class Endpoint(Answer):
    id: str
    url: str
    events: list[str]
    description: str | None
    status: str
    disabled_reason: str | None
    created_at: Timestamp | None
    secret: str | None = Field(default=None, description="Only when created (and in "
                               "rotate-secret's answer)")
    not_from_row: ClassVar[frozenset[str]] = frozenset({"secret"})  # shown once, when made

    model_config = example({**ENDPOINT_EXAMPLE, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZI"})


class EndpointList(Answer):
    data: list[Endpoint]
    next_cursor: str | None

    model_config = example({"data": [ENDPOINT_EXAMPLE], "next_cursor": None})


class Secret(Answer):
    secret: str

    model_config = example({"secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZI"})


class Event(Answer):
    id: str
    type: EventName
    created_at: Timestamp | None
    data: Any


class EventList(Answer):
    data: list[Event]
    next_cursor: str | None

    model_config = example({"data": [EVENT_EXAMPLE], "next_cursor": None})


class Delivery(Answer):
    id: str
    event_id: str
    event_type: EventName
    attempt: int
    status: str
    response_status: int | None
    response_body: str | None
    error: str | None
    duration_ms: int | None
    next_attempt_at: Timestamp | None
    created_at: Timestamp | None
    attempted_at: Timestamp | None


class DeliveryList(Answer):
    data: list[Delivery]
    next_cursor: str | None

    model_config = example({"data": [DELIVERY_EXAMPLE], "next_cursor": None})


class Redelivery(Answer):
    event_id: str
    deliveries: list[Delivery]

    model_config = example({"event_id": "evt_1", "deliveries": [DELIVERY_EXAMPLE]})
