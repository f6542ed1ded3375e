"""Test fixtures: a real database (SQLite always; PostgreSQL when LICENSOR_TEST_DATABASE_URL is
set), emptied before each test, a context and an HTTP client on the real app.

`./run test` runs the suite on pytest-xdist workers (`--dist loadgroup`). Each worker has its
own database (its own SQLite file under its own basetemp, its own PostgreSQL database), and a
file's tests all run on one worker, in order, as without xdist (module fixtures such as a
server started once for the file stay correct); the slow groups start first. `browser` marks
tests that drive Chromium, `server` those that start `licensor serve` as a subprocess (free
ports, tests/core/server.py)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

import licensor.models  # noqa: F401  (every table)
from licensor.app import create_app, seed
from licensor.cli import app as cli_app
from licensor.config import Settings
from licensor.core.context import Context, build_context
from licensor.core.db import Base, Database
from licensor.core.migrate import upgrade

ADMIN_TOKEN = "test-admin-token"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PG_URL = os.environ.get("LICENSOR_TEST_DATABASE_URL")
# One key-encryption key for every context, CLI run and server of the suite, as every host of an
# installation has one: a test that builds a second context on the test's database (another
# LICENSOR_HOME) can sign with its keys. Tests of the generated LICENSOR_HOME/secret-key unset it.
os.environ.setdefault("LICENSOR_SECRET_KEY", "bGljZW5zb3ItdGVzdC1zdWl0ZS1rZXktMzItYnl0ZXM=")
# Groups scheduled first, so that no long one starts last while the other workers sit idle:
# those with a test marked `slow`, then those that start a server or a browser (seconds of
# start-up each), then the rest, largest first (as xdist orders them).
FIRST = ("slow", "server", "browser")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test gets an xdist group: one of its own (`@pytest.mark.xdist_group`), or else its
    file's; the groups are put in the order they should start (FIRST; `./run test` passes
    `--no-loadscope-reorder` so that xdist keeps it)."""
    grouping = getattr(config.option, "loadgroup", False)  # on an xdist worker, --dist loadgroup
    groups: dict[str, list[pytest.Item]] = {}
    for item in items:
        marked = item.get_closest_marker("xdist_group")
        if marked is None:
            group = item.nodeid.split("::")[0]
            item.add_marker(pytest.mark.xdist_group(group))
        else:
            group = str(marked.args[0] if marked.args else marked.kwargs.get("name", "default"))
        groups.setdefault(group, []).append(item)
        if grouping:
            _name_group(item, group)

    def rank(tests: list[pytest.Item]) -> tuple[int, int]:
        marks = {m for m in FIRST for t in tests if t.get_closest_marker(m)}
        return next((i for i, m in enumerate(FIRST) if m in marks), len(FIRST)), -len(tests)

    items[:] = [item for tests in sorted(groups.values(), key=rank) for item in tests]


def _name_group(item: pytest.Item, group: str) -> None:
    """xdist's scheduler reads a test's group from its id ("...@group"). pytest 9.2 keeps the id
    in `_id`, while xdist 3.8 still writes `_nodeid` (no longer read): without this every test
    is scheduled alone and a file's tests are split between workers."""
    if "@" in item.nodeid.rsplit("]", 1)[-1]:
        return  # named already (an xdist that writes the id pytest reads)
    named = f"{item.nodeid}@{group}"
    if hasattr(item, "_id"):
        from _pytest.nodeid import coerce_node_id

        item._id = coerce_node_id(named)
    else:
        item._nodeid = named  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh database for this run, migrated once. On PostgreSQL a database of its own, so
    several runs on one server never see each other's rows."""
    if not PG_URL:
        path = tmp_path_factory.mktemp("db") / "licensor.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    base = make_url(PG_URL)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")  # each worker a database of its own
    name = f"licensor_test_{worker}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    yield db
    db.dispose()


def empty_database(db: Database) -> None:
    existing = set(inspect(db.engine).get_table_names())
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)
              if t.name != "alembic_version" and t.name in existing]
    with db.engine.begin() as conn:
        if db.is_sqlite:
            for name in tables:
                conn.exec_driver_sql(f'DELETE FROM "{name}"')
        else:
            conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{n}"' for n in tables)
                                 + " RESTART IDENTITY CASCADE")


def make_settings(home: Path, url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"home": home, "database_url": url, "sandbox": True,
                              "admin_token": ADMIN_TOKEN, "jobs_interval": 0, "smtp_url": None,
                              # Off unless a test turns them on: suites send far more than any
                              # one address may (tests/security/test_rate_limits.py tests them).
                              "rate_limits": "off",
                              # Argon2 at its cheapest: a production hash costs ~0.1 s
                              # (tests/security/test_password_cost.py checks production's).
                              "password_hash_cost": "minimum"}
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def ctx(database: Database, tmp_path: Path) -> Iterator[Context]:
    empty_database(database)
    context = build_context(make_settings(tmp_path / "home", database.url), db=database)
    seed(context)
    yield context
    context.mailer.close()  # no sender of this test may touch the next test's rows


@pytest.fixture(scope="session")
def shared_apps() -> dict[str, FastAPI]:
    """The apps this worker's tests share, by their settings (all but the home directory)."""
    return {}


@pytest.fixture
def client(ctx: Context, shared_apps: dict[str, FastAPI], request: pytest.FixtureRequest
           ) -> Iterator[TestClient]:
    """A client on the real app, with this test's context. One app per settings for the whole
    run (building one, and the routes' first requests, cost ~50 ms): the app reads its context
    from app.state, set here for each test, and runs its lifespan (start-up, shut-down) for each
    test as before. An app with rate limits on counts in its memory, so it is its module's."""
    key = ctx.settings.model_dump_json(exclude={"home"})
    if ctx.settings.rate_limits != "off":
        key += "\n" + request.module.__name__
    app = shared_apps.get(key)
    if app is None:
        app = shared_apps[key] = create_app(ctx, run_prepare=False)
    app.state.ctx = ctx
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def admin() -> dict[str, str]:
    return dict(ADMIN)


Run = Callable[..., str]


@pytest.fixture
def cli(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Run:
    """Runs `licensor ARGS...` on the test's database and home; asserts the exit code."""
    monkeypatch.setenv("LICENSOR_HOME", str(ctx.settings.home))
    monkeypatch.setenv("LICENSOR_DATABASE_URL", ctx.db.url)
    monkeypatch.setenv("LICENSOR_SANDBOX", "1")
    monkeypatch.setenv("LICENSOR_PASSWORD_HASH_COST", "minimum")
    monkeypatch.delenv("LICENSOR_ADMIN_TOKEN", raising=False)
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(cli_app, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    return run
