"""The one clock. The domain never reads it: services get `now` from here at the boundary.

In sandbox mode an administrator can freeze and advance it (like Stripe's test clocks);
the frozen time lives in the database so every worker process sees the same time.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from licensor.core.models import SandboxClockRow


def wall_clock() -> datetime:
    """Real time, even in sandbox mode: for how long a live process may hold something (leases,
    locks, payment attempts in doubt) and how long credentials live, which a vendor moving the
    sandbox clock a year ahead must neither end nor stretch."""
    return datetime.now(UTC)


class Clock:
    def __init__(self, sandbox: bool) -> None:
        self.sandbox = sandbox

    def now(self, session: Session) -> datetime:
        if self.sandbox:
            row = session.get(SandboxClockRow, 1)
            if row is not None and row.now is not None:
                return row.now
        return datetime.now(UTC)

    @staticmethod
    def real_now() -> datetime:
        """Real time, even in sandbox mode (see wall_clock)."""
        return wall_clock()

    def set(self, session: Session, now: datetime) -> None:
        row = session.get(SandboxClockRow, 1, with_for_update=True)
        if row is None:
            session.add(SandboxClockRow(id=1, now=now))
        else:
            row.now = now
        session.flush()
