"""The quick read path of `clock show`, `keys list` and `licenses verify --offline`
(core/quick_read.py) answers as the usual path does, and gives way to it whenever it might
not: a database that is not ready or not there, a setting it cannot read as the settings do."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from licensor.core import quick_read, sandbox_clock
from licensor.core.context import Context
from tests.builders import create_license
from tests.conftest import Run


@pytest.fixture
def env(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Context:
    for name in ("LICENSOR_DATABASE_URL", "LICENSOR_HOME", "LICENSOR_SANDBOX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LICENSOR_DATABASE_URL", ctx.db.url)
    monkeypatch.setenv("LICENSOR_SANDBOX", "1")
    return ctx


def test_the_clock_reads_as_the_usual_path(env: Context) -> None:
    with env.db.transaction() as session:
        assert quick_read.read(quick_read.clock_view)["frozen"] is False  # type: ignore[index]
        env.clock.set(session, datetime(2016, 1, 31, 12, 30, 5, 123456, tzinfo=UTC))
    with env.db.transaction() as session:
        usual = sandbox_clock.show(env, session)
    assert quick_read.read(quick_read.clock_view) == usual == {
        "now": "2016-01-31T12:30:05.123456Z", "frozen": True}


def test_signing_keys_and_public_keys_read_as_the_usual_path(env: Context) -> None:
    with env.db.transaction() as session:
        env.keyring.rotate(session, env.clock.now(session), "test")
        usual = [{"kid": r.kid, "status": r.status, "created_at": str(r.created_at),
                  "public_key": r.public_key} for r in env.keyring.all(session)]
        verifier = env.keyring.verifier(session, refresh=True)
    assert len(usual) == 2
    assert quick_read.read(quick_read.signing_keys) == usual
    assert quick_read.read(quick_read.public_keys) == verifier._keys


def test_the_commands_print_what_the_usual_path_prints(env: Context, cli: Run,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    row = create_license(env)
    offline = ["licenses", "verify", "--offline", "--name", row.license_name, "--key",
               row.license_key]
    commands = [(["keys", "list", "--json"], 0), (offline, 0),
                ([*offline[:-1], row.license_key[:-2] + "AA"], 1)]
    quick = [cli(*args, code=code) for args, code in commands]
    monkeypatch.setattr(quick_read, "read", lambda query: None)  # the usual path, always
    assert [cli(*args, code=code) for args, code in commands] == quick
    assert json.loads(quick[1])["valid"] is True and json.loads(quick[2])["valid"] is False


def test_a_database_that_is_not_ready_or_not_there_takes_the_usual_path(
        env: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with env.db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE signing_keys SET status = 'verifying'")
    assert quick_read.read(quick_read.signing_keys) is None  # no active key: prepare makes one
    missing = tmp_path / "none" / "licensor.db"
    monkeypatch.setenv("LICENSOR_DATABASE_URL", f"sqlite:///{missing}")
    assert quick_read.read(quick_read.signing_keys) is None
    assert not missing.exists()  # the usual path creates it, owner-only
    monkeypatch.setenv("LICENSOR_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    assert quick_read.read(quick_read.signing_keys) is None  # no tables yet


@pytest.mark.parametrize("variables", [{"LICENSOR_SANDBOX": "maybe"},  # the settings refuse it
                                       {"LICENSOR_SANDBOX": "0"},  # clock show refuses, coded
                                       {"licensor_sandbox": "1"}])  # two cases of one name
def test_settings_it_cannot_read_as_the_settings_do_take_the_usual_path(
        env: Context, monkeypatch: pytest.MonkeyPatch, variables: dict[str, str]) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert quick_read.read(quick_read.clock_view) is None


def test_the_public_keys_decode_as_the_keyring_does(env: Context) -> None:
    keys = quick_read.read(quick_read.public_keys)
    assert keys and all(len(key) == 32 for key in keys.values())
    with env.db.transaction() as session:
        active = env.keyring.active(session)
        assert active is not None
        assert keys[active.kid] == base64.b64decode(active.public_key)


def test_the_migration_heads_are_read_once_for_both_paths() -> None:
    from licensor import startup

    assert startup.migration_heads is quick_read.migration_heads
