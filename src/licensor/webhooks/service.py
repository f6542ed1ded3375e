"""Outbound webhooks: endpoints, the event log, and delivery in the Standard Webhooks format.

Every event of the catalog is written to `webhook_events` by `record`, inside the transaction
of the change it reports (a transactional outbox), with one pending delivery per enabled
endpoint subscribed to it: a change that rolls back leaves no event, and a committed change
always has its event, whatever happens to the process afterwards.

Delivery runs after commit and never inside a transaction: see `delivery`.
"""

from __future__ import annotations

import json
import logging
import secrets
import socket
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from licensor.core import audit
from licensor.core.errors import LicensorError
from licensor.core.web.views import iso
from licensor.webhooks import rules
from licensor.webhooks.models import WebhookDeliveryRow, WebhookEndpointRow, WebhookEventRow
from licensor.webhooks.repository import (
    ENABLED,
    PENDING,
    WebhookRepository,
)

if TYPE_CHECKING:
    from licensor.config import Settings
    from licensor.core.context import Context

log = logging.getLogger("licensor.webhooks")



def wall_clock() -> datetime:
    # Leases measure how long a live process may take, so they run on real time even when the
    # sandbox clock is frozen or jumps; the retry schedule uses the Licensor clock.
    return datetime.now(UTC)


def _not_found(endpoint_id: str) -> LicensorError:
    return LicensorError("WEBHOOK_ENDPOINT_NOT_FOUND", f"No webhook endpoint {endpoint_id}; list "
                         "them with GET /v1/webhook-endpoints.", {"id": endpoint_id}, status=404)


# -- endpoints ------------------------------------------------------------------------------------

def _check_events(types: Sequence[str]) -> list[str]:
    if not types:
        raise LicensorError("INVALID_REQUEST", "events must name at least one event type, or "
                            '["*"] for all of them.', {"field": "events"})
    unknown = rules.unknown_types(types)
    if unknown:
        raise LicensorError("UNKNOWN_EVENT_TYPE", f"Unknown event type(s): {', '.join(unknown)}. "
                            "Use names of the catalog (docs/webhooks.md), or \"*\".",
                            {"field": "events", "unknown": unknown,
                             "known": list(rules.EVENT_TYPES)})
    return list(dict.fromkeys(types))


def resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_url(settings: Settings, url: str) -> str:
    """Refuse a URL the server would not call: in production only https, and no name that
    resolves to a loopback, private, link-local or multicast address (checked again when
    sending, since what a name resolves to can change)."""
    production = not settings.sandbox
    problem = rules.url_problem(url, production=production)
    if problem is None and production and not settings.webhooks_allow_private:
        problem = address_problem(url)
    if problem:
        raise LicensorError("INVALID_URL", f"The webhook URL {problem}: give a public https:// "
                            "address of your own system.", {"field": "url", "url": url})
    return url


def address_problem(url: str) -> str | None:
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        addresses = resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError as exc:
        return f"host {host} does not resolve ({exc})"
    for address in addresses:
        if rules.address_refused(address):
            return (f"host {host} resolves to {address}, a loopback, private, link-local or "
                    "multicast address (or an IPv6 address embedding one, as 6to4 does)")
    return None


def create_endpoint(ctx: Context, session: Session, *, url: str, events: Sequence[str],
                    description: str | None, now: datetime, actor: str
                    ) -> tuple[WebhookEndpointRow, str]:
    """The new endpoint and its secret (shown this once)."""
    secret = rules.new_secret(secrets.token_bytes(rules.SECRET_BYTES))
    row = WebhookEndpointRow(id=f"we_{uuid.uuid4().hex}", url=check_url(ctx.settings, url),
                             events=_check_events(events), description=description,
                             status=ENABLED, secret=secret, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="webhook_endpoint.created",
                 entity_type="webhook_endpoint", entity_id=row.id, before=None,
                 after=_snapshot(row), now=now)
    return row, secret


def _snapshot(row: WebhookEndpointRow) -> dict[str, Any]:
    return {"url": row.url, "events": row.events, "description": row.description,
            "status": row.status}


def get_endpoint(session: Session, endpoint_id: str, *, for_update: bool = False
                 ) -> WebhookEndpointRow:
    row = WebhookRepository(session).endpoint(endpoint_id, for_update=for_update)
    if row is None:
        raise _not_found(endpoint_id)
    return row


def list_endpoints(session: Session) -> Sequence[WebhookEndpointRow]:
    return WebhookRepository(session).endpoints()


def update_endpoint(ctx: Context, session: Session, endpoint_id: str, changes: dict[str, Any], *,
                    now: datetime, actor: str) -> WebhookEndpointRow:
    row = get_endpoint(session, endpoint_id, for_update=True)
    before = _snapshot(row)
    if "url" in changes:
        row.url = check_url(ctx.settings, changes["url"])
    if "events" in changes:
        row.events = _check_events(changes["events"])
    if "description" in changes:
        row.description = changes["description"]
    if "status" in changes and changes["status"] != row.status:
        row.status = changes["status"]
        # Enabled again by the vendor: the three days of failures start over.
        row.disabled_reason, row.failing_since = (None, None) if row.status == ENABLED else (
            "disabled by an administrator", row.failing_since)
    row.updated_at = now
    session.flush()
    audit.record(session, actor=actor, action="webhook_endpoint.updated",
                 entity_type="webhook_endpoint", entity_id=row.id, before=before,
                 after=_snapshot(row), now=now)
    return row


def delete_endpoint(session: Session, endpoint_id: str, *, now: datetime, actor: str) -> None:
    row = get_endpoint(session, endpoint_id, for_update=True)
    audit.record(session, actor=actor, action="webhook_endpoint.deleted",
                 entity_type="webhook_endpoint", entity_id=row.id, before=_snapshot(row),
                 after=None, now=now)
    WebhookRepository(session).delete_endpoint(row)
    session.flush()


def rotate_secret(session: Session, endpoint_id: str, *, now: datetime, actor: str) -> str:
    """A new secret; the one it replaces keeps signing beside it for ROTATION_OVERLAP (real
    time: the overlap protects receivers' configuration, not the sandbox's story)."""
    row = get_endpoint(session, endpoint_id, for_update=True)
    new = rules.new_secret(secrets.token_bytes(rules.SECRET_BYTES))
    row.previous_secret, row.secret = row.secret, new
    row.previous_secret_until = wall_clock() + rules.ROTATION_OVERLAP
    row.updated_at = now
    session.flush()
    audit.record(session, actor=actor, action="webhook_endpoint.secret_rotated",
                 entity_type="webhook_endpoint", entity_id=row.id, before=None, after=None,
                 now=now)
    return new


# -- the event log (outbox) -----------------------------------------------------------------------

def record(session: Session, now: datetime, event_type: str, data: dict[str, Any]
           ) -> WebhookEventRow:
    """Write an event of the catalog and its deliveries, in the caller's transaction."""
    assert event_type in rules.EVENT_TYPES, event_type
    event = WebhookEventRow(id=f"evt_{uuid.uuid4().hex}", type=event_type, created_at=now,
                            data=json.loads(json.dumps(data, default=str)))
    session.add(event)
    for endpoint in WebhookRepository(session).enabled_endpoints():
        if rules.subscribed(endpoint.events, event_type):
            session.add(_attempt(event, endpoint.id, 1, now))
    session.flush()
    return event


def _attempt(event: WebhookEventRow, endpoint_id: str, attempt: int,
             due: datetime) -> WebhookDeliveryRow:
    return WebhookDeliveryRow(id=f"whd_{uuid.uuid4().hex}", event_id=event.id,
                              endpoint_id=endpoint_id, event_type=event.type, attempt=attempt,
                              status=PENDING, next_attempt_at=due, created_at=due)


def get_event(session: Session, event_id: str) -> WebhookEventRow:
    row = WebhookRepository(session).event(event_id)
    if row is None:
        raise LicensorError("EVENT_NOT_FOUND", f"No event {event_id}; events are kept 90 days "
                            "(list them with GET /v1/events).", {"id": event_id}, status=404)
    return row


def list_events(session: Session, *, type_: str | None, limit: int,
                cursor: str | None) -> tuple[list[WebhookEventRow], str | None]:
    repo = WebhookRepository(session)
    after = None
    if cursor:
        after = repo.event(cursor)
        if after is None:
            raise LicensorError("INVALID_REQUEST", "cursor is not one this list returned; start "
                                "again without it.", {"field": "cursor"})
    rows = list(repo.events(type_=type_, limit=limit + 1, after=after))
    page = rows[:limit]
    return page, (page[-1].id if len(rows) > limit and page else None)


def list_deliveries(session: Session, endpoint_id: str, *, limit: int, cursor: str | None
                    ) -> tuple[list[WebhookDeliveryRow], str | None]:
    get_endpoint(session, endpoint_id)
    repo = WebhookRepository(session)
    after = None
    if cursor:
        after = repo.delivery(cursor)
        if after is None or after.endpoint_id != endpoint_id:
            raise LicensorError("INVALID_REQUEST", "cursor is not one this list returned; start "
                                "again without it.", {"field": "cursor"})
    rows = list(repo.deliveries(endpoint_id, limit=limit + 1, after=after))
    page = rows[:limit]
    return page, (page[-1].id if len(rows) > limit and page else None)


def redeliver(session: Session, event_id: str, *, now: datetime, actor: str
              ) -> list[WebhookDeliveryRow]:
    """Send the event again (same webhook-id, a fresh retry schedule) to every enabled endpoint
    subscribed to it."""
    event = get_event(session, event_id)
    made = [_attempt(event, endpoint.id, 1, now)
            for endpoint in WebhookRepository(session).enabled_endpoints()
            if rules.subscribed(endpoint.events, event.type)]
    session.add_all(made)
    session.flush()
    audit.record(session, actor=actor, action="webhook_event.redelivered", entity_type="event",
                 entity_id=event.id, before=None, after={"deliveries": len(made)}, now=now)
    return made


def body_of(event: WebhookEventRow) -> bytes:
    """The POST body: the same bytes on every attempt."""
    return json.dumps({"id": event.id, "type": event.type, "created_at": iso(event.created_at),
                       "data": event.data}, separators=(",", ":"), ensure_ascii=False).encode()
