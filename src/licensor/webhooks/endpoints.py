"""Outbound webhooks: endpoints, their deliveries, the event log, redelivery (all admin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from licensor.core.web.deps import (
    NO_NUL,
    Admin,
    Ctx,
    ReadSession,
    WriteSession,
    now_for,
    page_limit,
)
from licensor.core.web.openapi import Limit, refusals
from licensor.webhooks import service as webhooks
from licensor.webhooks.schemas import (
    Delivery,
    DeliveryList,
    Endpoint,
    EndpointCreate,
    EndpointList,
    EndpointPatch,
    Event,
    EventList,
    Redelivery,
    Secret,
)

router = APIRouter(prefix="/v1", tags=["webhooks"])
PathId = Annotated[str, Path(max_length=64, pattern=NO_NUL)]
Cursor = Annotated[str | None, Query(max_length=64, pattern=NO_NUL)]


NOT_FOUND = refusals("WEBHOOK_ENDPOINT_NOT_FOUND")


@router.post("/webhook-endpoints", operation_id="createWebhookEndpoint",
             status_code=201, response_model=Endpoint,
             response_model_exclude_unset=True,
             responses=refusals("INVALID_URL", "UNKNOWN_EVENT_TYPE"))
def create_endpoint(body: EndpointCreate, ctx: Ctx, session: WriteSession,
                    admin: Admin) -> dict[str, Any]:
    """A new endpoint; its `secret` is in this answer only (and in rotate-secret's)."""
    row, secret = webhooks.create_endpoint(ctx, session, url=body.url, events=body.events,
                                           description=body.description,
                                           now=now_for(ctx, session), actor=admin)
    return Endpoint.view(row, secret=secret)


@router.get("/webhook-endpoints", operation_id="listWebhookEndpoints",
            response_model=EndpointList, response_model_exclude_unset=True)
def list_endpoints(session: ReadSession, _admin: Admin) -> dict[str, Any]:
    return {"data": [Endpoint.view(r) for r in webhooks.list_endpoints(session)],
            "next_cursor": None}


@router.get("/webhook-endpoints/{endpoint_id}", operation_id="getWebhookEndpoint",
            response_model=Endpoint,
            response_model_exclude_unset=True, responses=NOT_FOUND)
def get_endpoint(endpoint_id: PathId, session: ReadSession, _admin: Admin) -> dict[str, Any]:
    return Endpoint.view(webhooks.get_endpoint(session, endpoint_id))


@router.patch("/webhook-endpoints/{endpoint_id}", operation_id="updateWebhookEndpoint",
              response_model=Endpoint,
              response_model_exclude_unset=True,
              responses=refusals("WEBHOOK_ENDPOINT_NOT_FOUND", "INVALID_URL",
                                 "UNKNOWN_EVENT_TYPE"))
def update_endpoint(endpoint_id: PathId, body: EndpointPatch, ctx: Ctx, session: WriteSession,
                    admin: Admin) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    row = webhooks.update_endpoint(ctx, session, endpoint_id, changes,
                                   now=now_for(ctx, session), actor=admin)
    return Endpoint.view(row)


@router.delete("/webhook-endpoints/{endpoint_id}", operation_id="deleteWebhookEndpoint",
               status_code=204, responses=NOT_FOUND)
def delete_endpoint(endpoint_id: PathId, ctx: Ctx, session: WriteSession,
                    admin: Admin) -> Response:
    webhooks.delete_endpoint(session, endpoint_id, now=now_for(ctx, session), actor=admin)
    return Response(status_code=204)


@router.post("/webhook-endpoints/{endpoint_id}/rotate-secret", operation_id="rotateWebhookSecret",
             response_model=Secret,
             responses=NOT_FOUND)
def rotate_secret(endpoint_id: PathId, ctx: Ctx, session: WriteSession,
                  admin: Admin) -> dict[str, Any]:
    """A new secret; the previous one keeps signing beside it for 24 hours."""
    return {"secret": webhooks.rotate_secret(session, endpoint_id, now=now_for(ctx, session),
                                             actor=admin)}


@router.get("/webhook-endpoints/{endpoint_id}/deliveries", operation_id="listDeliveries",
            response_model=DeliveryList,
            responses=NOT_FOUND)
def list_deliveries(endpoint_id: PathId, session: ReadSession, _admin: Admin,
                    limit: Limit = None, cursor: Cursor = None) -> dict[str, Any]:
    """Every attempt, newest first."""
    rows, next_cursor = webhooks.list_deliveries(session, endpoint_id,
                                                 limit=page_limit(limit), cursor=cursor)
    return {"data": [Delivery.view(r) for r in rows], "next_cursor": next_cursor}


@router.get("/events", operation_id="listEvents", response_model=EventList)
def list_events(session: ReadSession, _admin: Admin,
                type: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
                limit: Limit = None, cursor: Cursor = None) -> dict[str, Any]:
    """The event log, newest first, kept 90 days."""
    rows, next_cursor = webhooks.list_events(session, type_=type, limit=page_limit(limit),
                                             cursor=cursor)
    return {"data": [Event.view(r) for r in rows], "next_cursor": next_cursor}


@router.post("/events/{event_id}/redeliver", operation_id="redeliverEvent",
             status_code=202, response_model=Redelivery,
             responses=refusals("EVENT_NOT_FOUND"))
def redeliver(event_id: PathId, ctx: Ctx, session: WriteSession, admin: Admin) -> dict[str, Any]:
    """Send the event again (same webhook-id) to every enabled endpoint subscribed to it."""
    made = webhooks.redeliver(session, event_id, now=now_for(ctx, session), actor=admin)
    return {"event_id": event_id, "deliveries": [Delivery.view(r) for r in made]}
