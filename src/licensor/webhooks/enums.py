"""The webhook catalog's event names: a contract with the vendor's systems (docs/webhooks.md),
as events, deliveries, the catalog's rules and the handlers name them."""

from __future__ import annotations

from enum import StrEnum


class EventName(StrEnum):
    LICENSE_CREATED = "license.created"
    LICENSE_UPGRADED = "license.upgraded"
    LICENSE_RENEWED = "license.renewed"
    LICENSE_REVOKED = "license.revoked"
    LICENSE_MOVED_TO_MARKETPLACE = "license.moved_to_marketplace"
    REGISTRATION_CREATED = "registration.created"
    REGISTRATION_DELETED = "registration.deleted"
    ORDER_CREATED = "order.created"
    ORDER_PAID = "order.paid"
    ORDER_REFUNDED = "order.refunded"
    ORDER_CANCELED = "order.canceled"
    SUBSCRIPTION_CREATED = "subscription.created"
    SUBSCRIPTION_UPDATED = "subscription.updated"
    SUBSCRIPTION_RENEWED = "subscription.renewed"
    SUBSCRIPTION_PAYMENT_FAILED = "subscription.payment_failed"
    SUBSCRIPTION_SUSPENDED = "subscription.suspended"
    SUBSCRIPTION_CANCELED = "subscription.canceled"
    SUBSCRIPTION_DELETED = "subscription.deleted"
    INVOICE_CREATED = "invoice.created"
    MIGRATION_REQUESTED = "migration.requested"
    MIGRATION_COMPLETED = "migration.completed"
    MIGRATION_REJECTED = "migration.rejected"
    MAINTENANCE_EXPIRING = "maintenance.expiring"
    MAINTENANCE_EXPIRED = "maintenance.expired"
