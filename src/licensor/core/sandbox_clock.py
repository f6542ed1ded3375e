"""The sandbox clock's controls, for the API and the CLI alike: read, freeze, advance (which runs
every job that fell due). Production has no such controls: its time is the real time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from licensor.core import audit, jobs
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.models import SandboxClockRow
from licensor.core.web.views import iso
from licensor.verify import EARLIEST_KEY_TIME, LATEST_KEY_TIME

# Far enough for any test of yearly renewals, near enough that dates stay in range.
MAX_ADVANCE_SECONDS = 10 * 366 * 24 * 3600
# The clock stays where License Keys can carry the dates it makes: an issue date from 1970, and
# up to ten years of maintenance before the key format's last second (2106-02-07T06:28:15Z).
EARLIEST = datetime.fromtimestamp(EARLIEST_KEY_TIME, UTC)
LATEST = datetime.fromtimestamp(LATEST_KEY_TIME, UTC) - timedelta(seconds=MAX_ADVANCE_SECONDS)


def require_sandbox(ctx: Context) -> None:
    if not ctx.settings.sandbox:
        raise LicensorError("NOT_SANDBOX", "The clock can be shown, set and advanced only in "
                            "sandbox mode (LICENSOR_SANDBOX=1); in production Licensor runs on "
                            "the real time.")


def show(ctx: Context, session: Session) -> dict[str, Any]:
    require_sandbox(ctx)
    row = session.get(SandboxClockRow, 1)
    return {"now": iso(ctx.clock.now(session)), "frozen": row is not None and row.now is not None}


def parse_time(text: str) -> datetime:
    """An ISO 8601 time with its offset: '2016-01-31T00:00:00Z'; 422 INVALID_TIME otherwise."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise LicensorError("INVALID_TIME", f"'{text}' is not a time with its offset; write it "
                            "as ISO 8601, for example 2016-01-31T00:00:00Z.", {"value": text})
    return moment.astimezone(UTC)


def set_time(ctx: Context, session: Session, now: datetime, *, actor: str) -> dict[str, Any]:
    """Freeze the clock at `now` (jobs do not run: advance runs them)."""
    require_sandbox(ctx)
    if not EARLIEST <= now <= LATEST:
        raise LicensorError("INVALID_TIME", f"The sandbox clock can be set from {iso(EARLIEST)} "
                            f"to {iso(LATEST)}, the times whose License Keys can carry their "
                            f"dates; {iso(now)} is outside. Choose a time in that range.",
                            {"field": "now", "value": iso(now)})
    before = ctx.clock.now(session)
    ctx.clock.set(session, now)
    audit.record(session, actor=actor, action="sandbox.clock_set", entity_type="sandbox_clock",
                 entity_id="clock", before={"now": iso(before)}, after={"now": iso(now)},
                 now=now)
    return {"now": iso(now)}


def advance(ctx: Context, session: Session, seconds: int,
            on_job: Callable[[str, int], None] | None = None) -> dict[str, Any]:
    """Move the clock `seconds` ahead and run every job that fell due by then."""
    require_sandbox(ctx)
    if not 0 <= seconds <= MAX_ADVANCE_SECONDS:
        raise LicensorError("INVALID_DURATION", f"Advance the clock by 0 to "
                            f"{MAX_ADVANCE_SECONDS} seconds (ten years), not {seconds}.",
                            {"value": seconds})
    now = ctx.clock.now(session) + timedelta(seconds=seconds)
    if now > LATEST:
        raise LicensorError("INVALID_DURATION", f"Advancing {seconds} seconds would move the "
                            f"sandbox clock past {iso(LATEST)}, the last time whose License Keys "
                            "can carry their dates; advance less, or set the clock earlier.",
                            {"field": "seconds", "value": seconds, "latest": iso(LATEST)})
    ctx.clock.set(session, now)
    return {"now": iso(now), "jobs": jobs.run_due(ctx, session, now, on_job=on_job)}
