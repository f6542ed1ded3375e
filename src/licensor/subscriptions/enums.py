"""The subscriptions capability's named values, as rows store them and answers, pages and
webhooks show them (other capabilities compare with these, never with the bare text)."""

from __future__ import annotations

from enum import StrEnum


class SubscriptionStatus(StrEnum):
    NEW = "new"  # a Google Workspace subscription being set up (subscriptions/changes.py)
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"  # the renewal payment was declined; the card is tried again
    CANCELED = "canceled"  # ends at the end of the period
    SUSPENDED = "suspended"
    DELETED = "deleted"
    VIEW_ONLY = "view_only"


class ProjectStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"
