"""The CLI imports only what a command needs: `import licensor.cli` and `licensor --help` load
no web framework, payment or HTTP client library, and the read-only commands not the
capabilities either (docs/performance.md, "The CLI"). Each check runs in a fresh interpreter,
whose sys.modules is what a real `licensor` process would have loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from alembic.script import ScriptDirectory

from licensor import cli, startup
from licensor.core.context import Context
from licensor.core.migrate import alembic_config
from tests.builders import create_license
from tests.conftest import Run

# Never imported by `import licensor.cli` or `licensor --help`.
HEAVY = ("fastapi", "starlette", "stripe", "httpx", "argon2", "jinja2", "alembic",
         "licensor.app", "licensor.capabilities", "sqlalchemy", "pydantic")
# Never imported by the read-only commands on a ready database (they need the DB, so
# SQLAlchemy and pydantic-settings are in).
WEB = ("fastapi", "starlette", "stripe", "httpx", "argon2", "alembic", "licensor.app",
       "licensor.capabilities")

# Nor, on the quick read path (core/quick_read.py), what reading a ready database through the
# ORM and the settings would load.
QUICK = (*WEB, "sqlalchemy", "pydantic_settings", "licensor.config", "licensor.core.context",
         "licensor.core.models", "licensor.startup")

PROBE = """
import json, sys
from licensor.cli import app
try:
    app(sys.argv[1:])
except SystemExit:
    pass
print("\\n" + json.dumps(sorted(sys.modules)))
"""


def loaded(*args: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules a `licensor ARGS...` process has loaded when it ends."""
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120, check=True)
    return set(json.loads(done.stdout.rstrip().rsplit("\n", 1)[-1]))


def heavy_in(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(m == n or m.startswith(n + ".") for m in modules))


def test_importing_the_cli_loads_no_web_app_stripe_or_httpx() -> None:
    code = "import json, sys, licensor.cli; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code],
                          capture_output=True, text=True, timeout=120, check=True)
    assert heavy_in(set(json.loads(done.stdout)), HEAVY) == []


def test_help_loads_no_command_module() -> None:
    modules = loaded("--help")
    assert heavy_in(modules, HEAVY) == []
    assert not any(m.startswith("licensor.") and m.endswith("commands") for m in modules)


@pytest.mark.parametrize("args", [["clock", "show"], ["keys", "list"],
                                  ["licenses", "verify", "--offline"]])
def test_read_only_commands_load_no_web_app_no_orm_and_no_settings(ctx: Context,
                                                             args: list[str]) -> None:
    row = create_license(ctx)
    if args[0] == "licenses":
        args = [*args, "--name", row.license_name, "--key", row.license_key]
    env = {"LICENSOR_HOME": str(ctx.settings.home), "LICENSOR_DATABASE_URL": ctx.db.url,
           "LICENSOR_SANDBOX": "1"}
    assert heavy_in(loaded(*args, env=env), QUICK) == []


def test_a_command_run_in_this_process_still_works(cli: Run) -> None:
    assert "real time" in cli("clock", "show")
    assert "active" in cli("keys", "list")


def test_the_listed_help_is_each_commands_own() -> None:
    for name, (_, _, listed) in cli.COMMANDS.items():
        command = cli.load(name)
        assert (command.name, command.help) == (name, listed)


def test_migration_heads_read_from_the_files_are_alembics(database_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(database_url))
    assert startup.migration_heads() == frozenset(script.get_heads())


def test_a_ready_database_is_recognised_and_an_unready_one_is_not(ctx: Context) -> None:
    assert startup.ready(ctx)
    with ctx.db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE signing_keys SET status = 'verifying'")
    assert not startup.ready(ctx)
    startup.prepare(ctx)  # makes a new active key, as every start would
    assert startup.ready(ctx)
