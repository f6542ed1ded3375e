"""A quick way for the commands that only read (`clock show`, `keys list`, `licenses verify
--offline`) to read a database that is ready, without SQLAlchemy or pydantic-settings.

Importing SQLAlchemy's ORM, the models and the settings is ~0.4 s of CPU on a small machine,
most of such a command's time (docs/performance.md, "The CLI"). These commands need three
settings and one or two plain SELECTs, so they read those here with the DB-API driver itself
(sqlite3, or psycopg for `postgresql+psycopg://`). Whenever this path is not sure to give the
same answer — a URL it does not read, a setting it cannot parse exactly as the settings do, a
database not ready (not migrated, no catalog, no active signing key), any error at all — it
answers None and the command takes its usual path, which prepares the database and says
what is wrong.

Only these three settings are read here, so a mistake in another one (e.g. LICENSOR_SMTP_URL)
is not reported by these commands; `licensor serve` and the commands that use it report it.
"""

from __future__ import annotations

import functools
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MIGRATIONS = Path(__file__).parent.parent / "migrations"
_REVISION = re.compile(r"^revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*(.*)$", re.MULTILINE)
_QUOTED = re.compile(r"['\"]([^'\"]+)['\"]")
# What `startup.ready` asks, after the migration heads: a catalog, a release history, a key.
READY_CHECKS = ("SELECT 1 FROM products LIMIT 1", "SELECT 1 FROM releases LIMIT 1",
                "SELECT 1 FROM signing_keys WHERE status = 'active' LIMIT 1")
# pydantic's reading of a boolean from text (lax mode), case-insensitive.
_TRUE = frozenset(("1", "on", "t", "true", "y", "yes"))
_FALSE = frozenset(("0", "off", "f", "false", "n", "no"))


@functools.cache
def migration_heads() -> frozenset[str]:
    """The heads of the migrations, read from their files (Alembic's ScriptDirectory loads
    every script; tests/test_cli_imports.py checks both agree)."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text()
        found = _REVISION.search(text)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = _DOWN.search(text)
        if down is not None:
            parents.update(_QUOTED.findall(down.group(1)))
    return frozenset(revisions - parents)


class Unsure(Exception):
    """This path cannot be sure to answer as the usual one would."""


def _environment() -> dict[str, str]:
    """LICENSOR_* variables by lower-case name, as the settings read them (any case)."""
    found: dict[str, str] = {}
    for name, value in os.environ.items():
        lower = name.lower()
        if lower.startswith("licensor_"):
            if lower in found:  # the same setting twice in different cases: let them decide
                raise Unsure(name)
            found[lower] = value
    return found


def settings() -> tuple[str, bool]:
    """(database URL, sandbox) as `Settings` would read them; Unsure if it might not."""
    env = _environment()
    sandbox = env.get("licensor_sandbox", "true").strip().lower()
    if sandbox not in _TRUE | _FALSE:
        raise Unsure("LICENSOR_SANDBOX")
    url = env.get("licensor_database_url")
    if not url:
        home = Path(env.get("licensor_home", "./var"))
        url = f"sqlite:///{(home / 'licensor.db').resolve()}"
    return url, sandbox in _TRUE


def connect(url: str) -> Any:
    """A DB-API connection that only reads; Unsure for a URL read differently elsewhere."""
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if not path or path == ":memory:" or any(c in path for c in "?%#") \
                or path.startswith("file:"):
            raise Unsure(url)
        import sqlite3

        # mode=rw: never create a database here (the usual path creates it, owner-only).
        conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=30)
        conn.execute("PRAGMA query_only = ON")
        return conn
    if url.startswith("postgresql+psycopg://") and "?" not in url:
        import psycopg

        pg: Any = psycopg.connect("postgresql://" + url[len("postgresql+psycopg://"):],
                                  autocommit=True)
        pg.execute("SET default_transaction_read_only = on")
        return pg
    raise Unsure(url)


def ready(conn: Any) -> bool:
    applied = {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")}
    return applied == migration_heads() and all(
        conn.execute(sql).fetchone() is not None for sql in READY_CHECKS)


def open_ready() -> tuple[Any, bool] | None:
    """(connection, sandbox) on a ready database; None when the usual path must run."""
    try:
        url, sandbox = settings()
        conn = connect(url)
    except Exception:  # noqa: BLE001  (Unsure, no driver, no database: the usual path says)
        return None
    try:
        if ready(conn):
            return conn, sandbox
    except Exception:  # noqa: BLE001, S110  (no tables yet, or anything else: the usual path)
        pass
    conn.close()
    return None


def utc(value: Any) -> datetime | None:
    """A column of UTCDateTime as the models give it: aware UTC (stored naive)."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        raise Unsure("a stored time with an offset")
    return moment.replace(tzinfo=UTC)


def read(query: Any) -> Any:
    """`query(connection, sandbox)` on a ready database, then closed; None when the usual path
    must run (the database is not ready, or the query was Unsure)."""
    opened = open_ready()
    if opened is None:
        return None
    conn, sandbox = opened
    try:
        return query(conn, sandbox)
    except Exception:  # noqa: BLE001  (Unsure, or what the usual path reports better)
        return None
    finally:
        conn.close()


# -- what the three commands read ---------------------------------------------------------------

def clock_view(conn: Any, sandbox: bool) -> dict[str, Any]:
    """`sandbox_clock.show`: the sandbox clock's time and whether it is frozen."""
    if not sandbox:
        raise Unsure("not in sandbox mode: the usual path refuses, coded")
    row = conn.execute("SELECT now FROM sandbox_clock WHERE id = 1").fetchone()
    frozen = row is not None and row[0] is not None
    now = utc(row[0]) if frozen else datetime.now(UTC)
    assert now is not None
    return {"now": now.isoformat().replace("+00:00", "Z"), "frozen": frozen}


def signing_keys(conn: Any, _sandbox: bool) -> list[dict[str, Any]]:
    """`keyring.all`, as `licensor keys list` prints it."""
    rows = conn.execute("SELECT kid, status, created_at, public_key FROM signing_keys "
                        "ORDER BY signing_keys.created_at").fetchall()
    return [{"kid": kid, "status": status, "created_at": str(utc(created)),
             "public_key": public_key} for kid, status, created, public_key in rows]


def public_keys(conn: Any, _sandbox: bool) -> dict[str, bytes]:
    """The keys that still validate (`keyring.verifier`)."""
    import base64

    rows = conn.execute("SELECT kid, public_key FROM signing_keys "
                        "WHERE signing_keys.status != 'retired'").fetchall()
    return {kid: base64.b64decode(public_key) for kid, public_key in rows}
