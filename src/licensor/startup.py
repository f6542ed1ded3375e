"""Making a context ready before the server or a command runs: migrations applied, the default
catalog loaded, a signing key present, and the capabilities' registries filled (jobs, event
handlers, payment fulfillers, quote kinds).

A database that is ready already, as on every start but the first, is recognised by a few
plain queries (`ready`), without importing Alembic or the capabilities: that is most of what
a command such as `licensor keys list` would otherwise spend before doing anything.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from licensor.core.context import Context
from licensor.core.quick_read import READY_CHECKS, migration_heads

__all__ = ["migration_heads", "prepare", "ready", "seed"]


def prepare(ctx: Context, *, registries: bool = True) -> None:
    """First start and every start: migrations, default catalog, a signing key. Without
    `registries`, for a command that raises no event and runs no job, the capabilities are
    not imported when the database is ready already."""
    is_ready = ready(ctx)
    if registries or not is_ready:  # seeding writes through them too
        from licensor import capabilities  # noqa: F401  (registers jobs, events, kinds)
    if is_ready:
        return
    from licensor.core.migrate import upgrade

    upgrade(ctx.db.url)
    seed(ctx)


def seed(ctx: Context) -> None:
    """The default catalog (and its release history) on an empty database, and an active signing
    key."""
    from licensor.catalog.service import load_default
    from licensor.maintenance.service import load_default_releases

    with ctx.db.transaction() as session:
        now = ctx.clock.now(session)
        load_default(session, now)
        load_default_releases(session, now)
        ctx.keyring.ensure_active(session, now)


def ready(ctx: Context) -> bool:
    """Whether `prepare` would change nothing: the database at the migrations' heads, with a
    catalog, a release history and an active signing key (seed fills each only when absent)."""
    try:
        with ctx.db.engine.connect() as conn:
            applied = {row[0] for row in conn.exec_driver_sql(
                "SELECT version_num FROM alembic_version")}
            if applied != migration_heads():
                return False
            return all(conn.exec_driver_sql(sql).first() is not None for sql in READY_CHECKS)
    except DBAPIError:  # no tables yet: a new database
        return False
