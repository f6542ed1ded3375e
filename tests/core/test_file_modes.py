"""The data directory is owner-only (whichever command makes it): the SQLite database and its
-wal/-shm files are 0600, and the server and signing commands refuse a key-encryption key file
that other users can read or change."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from licensor.app import prepare
from licensor.cli import app as cli_app
from licensor.config import Settings
from licensor.core.context import Context, build_context
from tests.builders import create_license


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_database_and_its_journal_files_are_owner_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LICENSOR_SECRET_KEY", raising=False)  # a single host makes its own
    home = tmp_path / "home"
    ctx = build_context(Settings(home=home, database_url=None, sandbox=True, jobs_interval=0))
    try:
        prepare(ctx)
        create_license(ctx, email="owner@acme.test")
        db = home / "licensor.db"
        files = [db, Path(f"{db}-wal"), Path(f"{db}-shm")]
        assert all(f.exists() for f in files)
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
        assert mode(home) == 0o700 and mode(home / "secret-key") == 0o600
    finally:
        ctx.db.dispose()


def test_an_existing_database_readable_by_others_is_tightened(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    db.touch(mode=0o644)
    db.chmod(0o644)
    ctx = build_context(Settings(home=tmp_path / "home", database_url=f"sqlite:///{db}"))
    ctx.db.dispose()
    assert mode(db) == 0o600


@pytest.mark.parametrize("command", [["db", "upgrade"], ["keys", "list"], ["secrets", "status"]])
def test_every_command_that_makes_the_data_directory_makes_it_owner_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]) -> None:
    home = tmp_path / "new" / "home"
    monkeypatch.setenv("LICENSOR_HOME", str(home))
    monkeypatch.delenv("LICENSOR_DATABASE_URL", raising=False)
    result = CliRunner().invoke(cli_app, command, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert mode(home) == 0o700


@pytest.fixture
def exposed_key(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A single host's generated KEK file (the installation's key), readable by others."""
    monkeypatch.delenv("LICENSOR_SECRET_KEY", raising=False)
    path = ctx.settings.home / "secret-key"
    path.write_text(ctx.secrets.sealer.key_text() + "\n")
    path.chmod(0o644)
    monkeypatch.setenv("LICENSOR_HOME", str(ctx.settings.home))
    monkeypatch.setenv("LICENSOR_DATABASE_URL", ctx.db.url)
    return path


def refusal(*args: str) -> tuple[str, str]:
    """The output with line breaks as spaces, and without them (the console folds long paths)."""
    result = CliRunner().invoke(cli_app, list(args), catch_exceptions=False)
    assert result.exit_code == 2, result.output
    return re.sub(r"\s+", " ", result.output), result.output.replace("\n", "")


def test_the_server_refuses_to_start_with_an_exposed_signing_key(exposed_key: Path) -> None:
    out, unfolded = refusal("serve", "--port", "1")
    assert "SECRET_KEY_EXPOSED" in out and "chmod 600" in out and str(exposed_key) in unfolded


def test_issuing_refuses_an_exposed_signing_key(exposed_key: Path, cli) -> None:
    out, _ = refusal("licenses", "issue", "desktop", "--seats", "1", "--name", "Acme",
                     "--email", "a@acme.test")
    assert "SECRET_KEY_EXPOSED" in out and "chmod 600" in out
    exposed_key.chmod(0o600)  # the fix the message gives
    assert "license_key" in cli("licenses", "issue", "desktop", "--seats", "1", "--name", "Acme",
                                "--email", "a@acme.test")
