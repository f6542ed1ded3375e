"""Sandbox-only controls (LICENSOR_SANDBOX=1): a test clock that runs due jobs, and the outbox."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from licensor.core import mail, payments, payments_sandbox, sandbox_clock
from licensor.core.payments_sandbox import SandboxProcessor
from licensor.core.web.deps import Admin, Ctx, ReadSession, WriteSession, now_for, page_limit
from licensor.core.web.openapi import Cursor, LongLimit, TimeInput
from licensor.core.web.schemas import ChargeList, Clock, ClockAdvanced, Outbox, ProcessorMode
from licensor.core.web.views import iso

router = APIRouter(prefix="/v1/sandbox", tags=["sandbox"])

OUTBOX_WAIT_SECONDS = 5.0


class ClockBody(BaseModel):
    now: TimeInput

    model_config = {"json_schema_extra": {"examples": [{"now": "2026-02-15T09:30:00Z"}]}}


class AdvanceBody(BaseModel):
    # Strict: `true` or "60" is not a number of seconds.
    seconds: int = Field(ge=0, le=sandbox_clock.MAX_ADVANCE_SECONDS, strict=True)

    model_config = {"json_schema_extra": {"examples": [{"seconds": 86400}]}}


class ProcessorModeBody(BaseModel):
    mode: Literal["normal", "down", "lost_answers"]

    model_config = {"json_schema_extra": {"examples": [{"mode": "lost_answers"}]}}


@router.get("/processor", operation_id="getSandboxProcessor", response_model=ProcessorMode)
def get_processor(ctx: Ctx) -> dict[str, Any]:
    return {"mode": payments_sandbox.mode(ctx.db)}


@router.put("/processor", operation_id="setSandboxProcessor", response_model=ProcessorMode)
def set_processor(body: ProcessorModeBody, ctx: Ctx, admin: Admin) -> dict[str, Any]:
    """How the sandbox card processor answers, for every process of this installation:
    `down` (nothing reaches it), `lost_answers` (it acts, its answers are lost), `normal`."""
    return {"mode": payments_sandbox.set_mode(ctx.db, body.mode)}


@router.get("/clock", operation_id="getSandboxClock", response_model=Clock)
def get_clock(ctx: Ctx, session: ReadSession) -> dict[str, Any]:
    return {"now": iso(now_for(ctx, session))}


@router.put("/clock", operation_id="setSandboxClock", response_model=Clock)
def set_clock(body: ClockBody, ctx: Ctx, session: WriteSession, admin: Admin) -> dict[str, Any]:
    return sandbox_clock.set_time(ctx, session, body.now, actor=admin)


@router.post("/clock/advance", operation_id="advanceSandboxClock", response_model=ClockAdvanced)
def advance_clock(body: AdvanceBody, ctx: Ctx, session: WriteSession,
                  admin: Admin) -> dict[str, Any]:
    return sandbox_clock.advance(ctx, session, body.seconds)


@router.get("/outbox", operation_id="listSandboxOutbox", response_model=Outbox)
def outbox(ctx: Ctx, session: ReadSession, _admin: Admin,
           to: str | None = Query(default=None, max_length=320), limit: LongLimit = None,
           cursor: Cursor = None) -> dict[str, Any]:
    """Every message, oldest first; `cursor` is the id of the last message of the previous page."""
    size = page_limit(limit, default=100, maximum=1000)
    # Mail goes out after the response that queued it; a test that asks right after should see
    # it sent (this process's sender; bounded, for a mail server that hangs).
    ctx.mailer.wait_idle(OUTBOX_WAIT_SECONDS)
    rows = mail.outbox(session, to=to, limit=size + 1, after=cursor)
    page = rows[:size]
    return {"data": [{"id": r.id, "to": r.to, "subject": r.subject, "body": r.body,
                      "created_at": iso(r.created_at), "sent_at": iso(r.sent_at)} for r in page],
            "next_cursor": page[-1].id if len(rows) > size else None}


@router.get("/charges", operation_id="listSandboxCharges", response_model=ChargeList)
def charges(ctx: Ctx, _admin: Admin, limit: LongLimit = None,
            cursor: Cursor = None) -> dict[str, Any]:
    """The sandbox card processor's own records, oldest first, to reconcile orders and invoices
    against; `cursor` is the id of the last charge of the previous page."""
    processor = payments.processor_for(ctx)
    if not isinstance(processor, SandboxProcessor):
        return {"data": [], "next_cursor": None}
    size = page_limit(limit, default=100, maximum=1000)
    rows = processor.ledger(limit=size + 1, after=cursor)
    page = rows[:size]
    return {"data": [{"id": r.id, "amount": {"amount": r.amount, "currency": r.currency},
                      "status": r.status, "metadata": r.meta,
                      "idempotency_key": r.idempotency_key, "created_at": iso(r.created_at),
                      "refunded_at": iso(r.refunded_at)} for r in page],
            "next_cursor": page[-1].id if len(rows) > size else None}
