"""The catalog's events, heard from the other capabilities' in-process events and written to
the webhook outbox in the same transaction, with `data` as the API shows the entity."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from licensor.core import events
from licensor.licenses.registrations.service import RegistrationRow
from licensor.licenses.schemas import License, Registration
from licensor.licenses.service import LicenseRow
from licensor.marketplace.schemas import migration_view
from licensor.marketplace.service import MigrationRequestRow
from licensor.orders.schemas import order_view
from licensor.orders.service import OrderRow
from licensor.subscriptions.access import SubscriptionRow
from licensor.subscriptions.billing.service import InvoiceRow
from licensor.subscriptions.schemas import invoice_view, subscription_view
from licensor.webhooks.enums import EventName
from licensor.webhooks.service import record


def _unload(session: Session, licenses: list[LicenseRow]) -> None:
    """Forget the registrations a view loaded: the change under way may still move them with a
    bulk UPDATE (an upgrade does), which a loaded collection would not see, and the API's answer
    built later in the same transaction must."""
    for row in licenses:
        session.expire(row, ["registrations"])


def _license(name: str, event_type: str | None = None, arg: str = "license") -> None:
    @events.on(name)
    def _(ctx: Any, session: Session, now: datetime, **kw: Any) -> None:
        row: LicenseRow = kw[arg]
        record(session, now, event_type or name, License.view(row))
        _unload(session, [row])


def _order(name: str, event_type: str | None = None) -> None:
    @events.on(name)
    def _(ctx: Any, session: Session, now: datetime, *, order: OrderRow, **_: Any) -> None:
        view = order_view(session, order)
        record(session, now, event_type or name, view)
        _unload(session, [lic for lic in session.identity_map.values()
                          if isinstance(lic, LicenseRow) and lic.id in
                          {x["id"] for x in view["licenses"]}])


def _subscription(name: str) -> None:
    @events.on(name)
    def _(ctx: Any, session: Session, now: datetime, *, subscription: SubscriptionRow,
          **_: Any) -> None:
        record(session, now, name, subscription_view(subscription))


def _migration(name: str) -> None:
    @events.on(name)
    def _(ctx: Any, session: Session, now: datetime, *, migration: MigrationRequestRow,
          **_: Any) -> None:
        record(session, now, name, migration_view(migration))


# The capabilities' in-process events have the catalog's names, but for "order.fulfilled".
for _name in (EventName.LICENSE_CREATED, EventName.LICENSE_RENEWED, EventName.LICENSE_REVOKED,
              EventName.LICENSE_MOVED_TO_MARKETPLACE, EventName.MAINTENANCE_EXPIRING,
              EventName.MAINTENANCE_EXPIRED):
    _license(_name)
# The license for the total, which replaces the old one.
_license(EventName.LICENSE_UPGRADED, arg="new")
for _name in (EventName.ORDER_CREATED, EventName.ORDER_REFUNDED, EventName.ORDER_CANCELED):
    _order(_name)
# Paid and fulfilled are one step: the licenses exist.
_order("order.fulfilled", EventName.ORDER_PAID)
for _name in (EventName.SUBSCRIPTION_CREATED, EventName.SUBSCRIPTION_UPDATED,
              EventName.SUBSCRIPTION_RENEWED, EventName.SUBSCRIPTION_PAYMENT_FAILED,
              EventName.SUBSCRIPTION_SUSPENDED, EventName.SUBSCRIPTION_CANCELED,
              EventName.SUBSCRIPTION_DELETED):
    _subscription(_name)
for _name in (EventName.MIGRATION_REQUESTED, EventName.MIGRATION_COMPLETED,
              EventName.MIGRATION_REJECTED):
    _migration(_name)


def _registration(name: str) -> None:
    @events.on(name)
    def _(ctx: Any, session: Session, now: datetime, *, registration: RegistrationRow,
          **_: Any) -> None:
        record(session, now, name, Registration.view(registration))


_registration(EventName.REGISTRATION_CREATED)
_registration(EventName.REGISTRATION_DELETED)


@events.on(EventName.INVOICE_CREATED)
def _invoice(ctx: Any, session: Session, now: datetime, *, invoice: InvoiceRow, **_: Any) -> None:
    record(session, now, EventName.INVOICE_CREATED, invoice_view(invoice))


@events.after_commit
def _wake(ctx: Any) -> None:
    from licensor.webhooks.delivery import wake

    wake(ctx)
