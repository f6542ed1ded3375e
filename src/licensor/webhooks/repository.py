"""Every query on webhook endpoints, events and deliveries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select
from sqlalchemy.orm import Session

from licensor.core import leases
from licensor.webhooks.models import WebhookDeliveryRow, WebhookEndpointRow, WebhookEventRow

PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"
ENABLED, DISABLED = "enabled", "disabled"


class WebhookRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- endpoints
    def endpoint(self, endpoint_id: str, *, for_update: bool = False) -> WebhookEndpointRow | None:
        return self.session.get(WebhookEndpointRow, endpoint_id, with_for_update=for_update)

    def endpoints(self) -> Sequence[WebhookEndpointRow]:
        return self.session.scalars(select(WebhookEndpointRow)
                                    .order_by(WebhookEndpointRow.created_at,
                                              WebhookEndpointRow.id)).all()

    def enabled_endpoints(self) -> Sequence[WebhookEndpointRow]:
        return self.session.scalars(select(WebhookEndpointRow)
                                    .where(WebhookEndpointRow.status == ENABLED)
                                    .order_by(WebhookEndpointRow.id)).all()

    def failing_since_before(self, moment: datetime) -> Sequence[WebhookEndpointRow]:
        return self.session.scalars(select(WebhookEndpointRow).where(
            WebhookEndpointRow.status == ENABLED,
            WebhookEndpointRow.failing_since <= moment).with_for_update()).all()

    def delete_endpoint(self, row: WebhookEndpointRow) -> None:
        self.session.execute(delete(WebhookDeliveryRow)
                             .where(WebhookDeliveryRow.endpoint_id == row.id))
        self.session.delete(row)

    # -- events
    def event(self, event_id: str) -> WebhookEventRow | None:
        return self.session.get(WebhookEventRow, event_id)

    def events(self, *, type_: str | None, limit: int,
               after: WebhookEventRow | None) -> Sequence[WebhookEventRow]:
        """Newest first; `after` is the last event of the previous page."""
        query = select(WebhookEventRow)
        if type_:
            query = query.where(WebhookEventRow.type == type_)
        if after is not None:
            query = query.where(or_(WebhookEventRow.created_at < after.created_at,
                                    and_(WebhookEventRow.created_at == after.created_at,
                                         WebhookEventRow.id < after.id)))
        return self.session.scalars(query.order_by(WebhookEventRow.created_at.desc(),
                                                   WebhookEventRow.id.desc()).limit(limit)).all()

    def prune_events(self, before: datetime) -> int:
        """Events older than `before`, except those still being delivered (an event dated when
        it fell due may be old the moment it is written)."""
        pending = select(WebhookDeliveryRow.event_id).where(WebhookDeliveryRow.status == PENDING)
        old = select(WebhookEventRow.id).where(WebhookEventRow.created_at < before,
                                               WebhookEventRow.id.not_in(pending))
        self.session.execute(delete(WebhookDeliveryRow)
                             .where(WebhookDeliveryRow.event_id.in_(old)))
        result = self.session.execute(delete(WebhookEventRow).where(
            WebhookEventRow.created_at < before, WebhookEventRow.id.not_in(pending)))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    # -- deliveries
    def deliveries(self, endpoint_id: str, *, limit: int,
                   after: WebhookDeliveryRow | None) -> Sequence[WebhookDeliveryRow]:
        """Newest first; `after` is the last delivery of the previous page."""
        query = select(WebhookDeliveryRow).where(WebhookDeliveryRow.endpoint_id == endpoint_id)
        if after is not None:
            query = query.where(or_(WebhookDeliveryRow.created_at < after.created_at,
                                    and_(WebhookDeliveryRow.created_at == after.created_at,
                                         WebhookDeliveryRow.id < after.id)))
        return self.session.scalars(query.order_by(WebhookDeliveryRow.created_at.desc(),
                                                   WebhookDeliveryRow.id.desc())
                                    .limit(limit)).all()

    def delivery(self, delivery_id: str) -> WebhookDeliveryRow | None:
        return self.session.get(WebhookDeliveryRow, delivery_id)

    @staticmethod
    def _due(now: datetime, wall_now: datetime) -> ColumnElement[bool]:
        enabled = select(WebhookEndpointRow.id).where(WebhookEndpointRow.status == ENABLED)
        return and_(WebhookDeliveryRow.status == PENDING,
                    or_(WebhookDeliveryRow.next_attempt_at.is_(None),
                        WebhookDeliveryRow.next_attempt_at <= now),
                    leases.free(WebhookDeliveryRow.claimed_until, wall_now),
                    WebhookDeliveryRow.endpoint_id.in_(enabled))

    def any_due(self, now: datetime, wall_now: datetime) -> bool:
        return bool(self.session.scalar(select(exists().where(self._due(now, wall_now)))))

    def claimable(self, now: datetime, wall_now: datetime,
                  limit: int) -> Sequence[WebhookDeliveryRow]:
        # SKIP LOCKED on PostgreSQL: concurrent senders take disjoint rows; SQLite serializes
        # writers, and the lease written in the same transaction keeps the next one off them.
        return self.session.scalars(
            select(WebhookDeliveryRow).where(self._due(now, wall_now))
            .order_by(WebhookDeliveryRow.next_attempt_at, WebhookDeliveryRow.id).limit(limit)
            .with_for_update(skip_locked=True)).all()

    def held(self, ids: Sequence[str], sender_id: str) -> Sequence[WebhookDeliveryRow]:
        return self.session.scalars(select(WebhookDeliveryRow).where(
            WebhookDeliveryRow.id.in_(list(ids)), WebhookDeliveryRow.claimed_by == sender_id,
            WebhookDeliveryRow.status == PENDING).with_for_update()).all()

    def pending_for(self, endpoint_id: str) -> Sequence[WebhookDeliveryRow]:
        return self.session.scalars(select(WebhookDeliveryRow).where(
            WebhookDeliveryRow.endpoint_id == endpoint_id,
            WebhookDeliveryRow.status == PENDING)).all()

    def soonest_pending(self, wall_now: datetime) -> datetime | None:
        """When the next pending delivery nobody holds falls due."""
        enabled = select(WebhookEndpointRow.id).where(WebhookEndpointRow.status == ENABLED)
        return self.session.scalar(select(func.min(WebhookDeliveryRow.next_attempt_at)).where(
            WebhookDeliveryRow.status == PENDING, WebhookDeliveryRow.endpoint_id.in_(enabled),
            leases.free(WebhookDeliveryRow.claimed_until, wall_now)))
