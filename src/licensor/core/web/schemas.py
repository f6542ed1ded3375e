"""Answers of the machinery's own endpoints: health, the sandbox and Stripe's webhooks."""

from __future__ import annotations

from typing import Any, Literal

from licensor.core.web.openapi import Answer, Money, Timestamp, example

NOW = "2026-01-15T09:30:00Z"


class Health(Answer):
    status: str

    model_config = example({"status": "ok"})


class Clock(Answer):
    now: Timestamp

    model_config = example({"now": NOW})


class ProcessorMode(Answer):
    mode: Literal["normal", "down", "lost_answers"]

    model_config = example({"mode": "normal"})


class ClockAdvanced(Answer):
    now: Timestamp
    jobs: dict[str, int]

    model_config = example({"now": NOW, "jobs": {"renewals": 2, "trial_ends": 1}})


class OutboxMessage(Answer):
    id: str
    to: str
    subject: str
    body: str
    created_at: Timestamp | None
    sent_at: Timestamp | None


class Outbox(Answer):
    data: list[OutboxMessage]
    next_cursor: str | None

    model_config = example({"data": [{"id": "msg_1", "to": "ana@acme.example", "subject": "Your license",
                   "body": "...", "created_at": NOW, "sent_at": NOW}], "next_cursor": None})


class Charge(Answer):
    id: str
    amount: Money
    status: str
    metadata: dict[str, Any] | None
    idempotency_key: str | None
    created_at: Timestamp | None
    refunded_at: Timestamp | None


class ChargeList(Answer):
    data: list[Charge]
    next_cursor: str | None

    model_config = example({"data": [{"id": "ch_sandbox_1", "amount": {"amount": 44500, "currency": "USD"},
                   "status": "succeeded", "metadata": {"licensor_key": "order:ord_7Hq2"},
                   "idempotency_key": "order:ord_7Hq2", "created_at": NOW,
                   "refunded_at": None}], "next_cursor": None})


class WebhookReceived(Answer):
    received: bool
    id: str
    type: str

    model_config = example({"received": True, "id": "evt_1", "type": "payment_intent.succeeded"})
