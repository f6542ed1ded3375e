"""The read connection of the validation hot path.

Every launch of a vendor's app validates its License Information, so `POST
/v1/licenses/validate` is served on the event loop itself: no threadpool hop, no ORM session,
one long-lived connection per process that only this path uses (the event loop is one thread,
so it is never shared between threads). Each validation runs `licenses.validate` on it, which
reads the license by primary key with a pre-built statement and never writes; the connection's
transaction is rolled back after every request, so no snapshot is kept open between requests.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from licensor.services import licenses
from licensor.services.context import Context

_EXTRA = "validation.connection"


def _connection(ctx: Context) -> Connection:
    held: tuple[int, Connection] | None = ctx.extras.get(_EXTRA)
    if held is not None and held[0] == os.getpid():  # a forked worker opens its own
        return held[1]
    conn = ctx.db.read_engine.connect()
    if not ctx.db.is_sqlite:
        # One SELECT by key needs no transaction: autocommit saves BEGIN and ROLLBACK round
        # trips on PostgreSQL. (On SQLite, BEGIN and ROLLBACK are in-process calls.)
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
    ctx.extras[_EXTRA] = (os.getpid(), conn)
    return conn


def _drop(ctx: Context) -> None:
    held: tuple[int, Connection] | None = ctx.extras.pop(_EXTRA, None)
    if held is not None and held[0] == os.getpid():
        with contextlib.suppress(Exception):  # a broken connection may fail to close too
            held[1].invalidate()
            held[1].close()


def validate(ctx: Context, license_name: str, license_key: str,
             product: str | None = None) -> dict[str, Any]:
    """`licenses.validate` on the hot path's connection, as the API's JSON answer."""
    for attempt in (1, 2):
        conn = _connection(ctx)
        try:
            try:
                return licenses.validate(ctx, conn, license_name, license_key,
                                         product).to_json()
            finally:
                conn.rollback()
        except DBAPIError as exc:
            # The database restarted or dropped us: reconnect once, then give up.
            _drop(ctx)
            if attempt == 2 or not _disconnect(exc):
                raise
    raise AssertionError("unreachable")


def _disconnect(exc: DBAPIError) -> bool:
    return bool(getattr(exc, "connection_invalidated", False)) or "closed" in str(exc).lower()


def close(ctx: Context) -> None:
    _drop(ctx)
