"""Leases on queued rows a sender works on outside any transaction (the mail outbox, webhook
deliveries): `claimed_by` names the sender, `claimed_until` the real time until which nobody
else takes the row. A sender that dies leaves a lease that runs out, and another takes the row.

Leases run on the wall clock (core/clock.wall_clock): they measure how long a live process may
take, which a frozen or jumping sandbox clock must neither end nor stretch.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import InstrumentedAttribute


class Leased(Protocol):
    claimed_by: str | None
    claimed_until: datetime | None


def free(claimed_until: InstrumentedAttribute[datetime | None],
         wall_now: datetime) -> ColumnElement[bool]:
    """Rows nobody holds: never claimed, released, or whose holder's lease has run out."""
    return or_(claimed_until.is_(None), claimed_until < wall_now)


def take(row: Leased, sender_id: str, wall_now: datetime, length: timedelta) -> None:
    row.claimed_by, row.claimed_until = sender_id, wall_now + length


def release(row: Leased) -> None:
    """The holder is done with the row (its outcome is recorded in the same transaction)."""
    row.claimed_by, row.claimed_until = None, None
