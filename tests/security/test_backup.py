"""Backup and restore round trip: into an empty data directory and database, every license
validates, the audit chain verifies and every order is found (SQLite, or PostgreSQL when the
suite runs on it)."""

from __future__ import annotations

import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from licensor.app import create_app
from licensor.cli import app as cli_app
from licensor.core.context import Context, build_context
from licensor.core.db import Database
from tests.conftest import ADMIN, Run, make_settings
from tests.orders.helpers import buy, order, quote


@pytest.fixture
def empty_target(ctx: Context, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A new data directory and an empty database of the same kind as the test's."""
    home = tmp_path / "restored"
    if ctx.db.is_sqlite:
        yield home, f"sqlite:///{home / 'licensor.db'}"
        return
    base = make_url(ctx.db.url)
    name = f"licensor_restore_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield home, base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_on(home: Path, url: str, monkeypatch: pytest.MonkeyPatch, *args: str,
           code: int = 0) -> str:
    monkeypatch.setenv("LICENSOR_HOME", str(home))
    monkeypatch.setenv("LICENSOR_DATABASE_URL", url)
    result = CliRunner().invoke(cli_app, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def test_backup_and_restore_round_trip(client: TestClient, ctx: Context, cli: Run,
                                       empty_target: tuple[Path, str], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # Licenses signed by two keys, a paid order and one awaiting payment.
    issued = []
    for n in range(3):
        answer = client.post("/v1/licenses", headers=ADMIN, json={
            "product": "desktop", "seats": n + 1, "license_name": f"Customer {n}",
            "email": f"c{n}@acme.test"})
        issued.append(answer.json())
    assert client.post("/v1/signing-keys/rotate", headers=ADMIN).status_code == 201
    paid = buy(client, kind="new", product="desktop", seats=2)
    waiting = order(client, quote(client, kind="new", product="desktop", seats=20)["id"],
                    method="invoice")
    issued += paid["licenses"]
    orders = [paid, waiting]

    archive = tmp_path / "backups" / "licensor.backup"
    assert "Backed up" in cli("backup", str(archive))
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert "BACKUP_EXISTS" in cli("backup", str(archive), code=2)

    home, url = empty_target
    # A single host (no LICENSOR_SECRET_KEY): the keys are sealed in the database, and the file
    # brought the key-encryption key that opens them, written owner-only into LICENSOR_HOME.
    monkeypatch.delenv("LICENSOR_SECRET_KEY")
    assert "Restored" in run_on(home, url, monkeypatch, "restore", str(archive))
    assert not (home / "keys").exists()
    assert stat.S_IMODE((home / "secret-key").stat().st_mode) == 0o600
    assert (home / "secret-key").read_text().strip() == ctx.secrets.sealer.key_text()
    assert "intact" in run_on(home, url, monkeypatch, "audit", "verify")
    # Never over a live installation.
    assert "RESTORE_TARGET_NOT_EMPTY" in run_on(home, url, monkeypatch, "restore", str(archive),
                                                code=2)

    restored_db = Database(url)
    try:
        restored = build_context(make_settings(home, url), db=restored_db)
        assert restored.secrets.sealer.source == str(home / "secret-key")
        with TestClient(create_app(restored), raise_server_exceptions=False) as again:
            for lic in issued:
                verdict = again.post("/v1/licenses/validate", json={
                    "license_name": lic["license_name"], "license_key": lic["license_key"]})
                assert verdict.json()["code"] == "VALID", lic
            for before in orders:
                found = again.get(f"/v1/orders/{before['id']}", headers=ADMIN)
                assert found.status_code == 200
                assert (found.json()["number"], found.json()["status"]) == \
                    (before["number"], before["status"])
            # The restored keys still sign: a new license validates too.
            new = again.post("/v1/licenses", headers=ADMIN, json={
                "product": "desktop", "seats": 1, "license_name": "After", "email": "a@b.test"})
            assert again.post("/v1/licenses/validate", json={
                "license_name": "After", "license_key": new.json()["license_key"]}
                ).json()["code"] == "VALID"
    finally:
        restored_db.dispose()


def test_restore_refuses_what_is_not_a_backup(ctx: Context, empty_target: tuple[Path, str],
                                              tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    home, url = empty_target
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a tar")
    assert "BACKUP_INVALID" in run_on(home, url, monkeypatch, "restore", str(junk), code=2)
    assert "BACKUP_NOT_FOUND" in run_on(home, url, monkeypatch, "restore",
                                        str(tmp_path / "nope"), code=2)


def test_restore_refuses_a_host_given_another_key_encryption_key(
        ctx: Context, cli: Run, empty_target: tuple[Path, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from licensor.core.secrets import generate_key

    archive = tmp_path / "licensor.backup"
    assert "Backed up" in cli("backup", str(archive))
    home, url = empty_target
    monkeypatch.setenv("LICENSOR_SECRET_KEY", generate_key())
    out = run_on(home, url, monkeypatch, "restore", str(archive), code=2)
    assert "SECRET_KEY_MISMATCH" in out and "LICENSOR_SECRET_KEY" in out
