"""Jobs that fall due with time: a registry that capabilities add to.

A job is `fn(ctx, session, now) -> int` (how many things it did). It must handle
everything due up to `now`, each thing at the moment it fell due (a renewal due on the
1st is made as of the 1st even when the clock jumps to the 20th), and be idempotent:
running it twice at the same `now` does nothing the second time. Jobs run in order of
registration, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from licensor.core.models import JobStateRow

if TYPE_CHECKING:
    from licensor.core.context import Context

JobFn = Callable[["Context", Session, datetime], int]


@dataclass(frozen=True)
class Job:
    name: str
    fn: JobFn
    order: int


_REGISTRY: dict[str, Job] = {}


def job(name: str, order: int = 100) -> Callable[[JobFn], JobFn]:
    def register(fn: JobFn) -> JobFn:
        _REGISTRY[name] = Job(name, fn, order)
        return fn
    return register


def registered() -> list[Job]:
    return sorted(_REGISTRY.values(), key=lambda j: (j.order, j.name))


def run_due(ctx: Context, session: Session, now: datetime,
            on_job: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Run every registered job once, in order; `on_job(name, count)` after each (progress)."""
    done: dict[str, int] = {}
    for item in registered():
        count = item.fn(ctx, session, now)
        done[item.name] = count
        if on_job is not None:
            on_job(item.name, count)
        state = session.get(JobStateRow, item.name)
        if state is None:
            session.add(JobStateRow(name=item.name, last_run_at=now, last_count=count))
        else:
            state.last_run_at, state.last_count = now, count
    session.flush()
    return done
