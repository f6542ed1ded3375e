"""An installation made the old way (private signing keys in LICENSOR_HOME/keys, the portal's
secret in LICENSOR_HOME/portal-secret, the database before the shared-secrets migration) is
upgraded and moved into the database with `licensor secrets import`: no published kid changes,
License Keys issued before validate, links and forms signed before stay valid, and a second
host with an empty data directory signs with the same keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from nacl.signing import SigningKey
from sqlalchemy import text
from typer.testing import CliRunner

from licensor.app import create_app
from licensor.cli import app as cli_app
from licensor.core.context import Context, build_context
from licensor.core.migrate import alembic_config, upgrade
from licensor.core.signing import kid_for
from licensor.core.web.portal import sign
from tests.conftest import ADMIN, empty_database, make_settings


def write_owner_only(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def old_installation(ctx: Context, home: Path) -> tuple[str, bytes]:
    """What the old version wrote on first start: its schema, a signing key file
    (<kid>.ed25519, base64 of the seed, owner-only, in keys/ 0700) with its row, the portal
    secret file; the data directory made by `db upgrade` (0755). (kid, portal secret)."""
    empty_database(ctx.db)
    command.downgrade(alembic_config(ctx.db.url), "0140_shared_secrets@-1")
    home.mkdir(mode=0o755)
    key = SigningKey.generate()
    kid = kid_for(bytes(key.verify_key))
    (home / "keys").mkdir(mode=0o700)
    write_owner_only(home / "keys" / f"{kid}.ed25519", base64.b64encode(bytes(key)) + b"\n")
    with ctx.db.engine.begin() as conn:
        conn.execute(text("INSERT INTO signing_keys (kid, public_key, status, created_at) "
                          "VALUES (:kid, :pk, 'active', :at)"),
                     {"kid": kid, "pk": base64.b64encode(bytes(key.verify_key)).decode(),
                      "at": datetime.now(UTC).replace(tzinfo=None)})
    portal = secrets.token_hex(32).encode()
    write_owner_only(home / "portal-secret", portal)
    return kid, portal


@pytest.fixture
def run(ctx: Context, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    home = tmp_path / "old-home"
    monkeypatch.setenv("LICENSOR_HOME", str(home))
    monkeypatch.setenv("LICENSOR_DATABASE_URL", ctx.db.url)
    monkeypatch.setenv("LICENSOR_SANDBOX", "1")
    for name in ("LICENSOR_SECRET_KEY", "LICENSOR_SECRET_KEY_FILE", "LICENSOR_ADMIN_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    try:
        yield home
    finally:
        upgrade(ctx.db.url)  # the next test's schema, whatever happened here


def cli(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli_app, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def test_an_old_installation_moves_into_the_database_unchanged(
        ctx: Context, run: Path, tmp_path: Path) -> None:
    home = run
    kid, portal = old_installation(ctx, home)
    cli("db", "upgrade")
    # The upgraded version still signs from the key file until the import.
    before = json.loads(cli("licenses", "issue", "desktop", "--seats", "2", "--name", "Acme",
                            "--email", "it@acme.test"))
    published = json.loads(cli("keys", "export"))
    assert [k["kid"] for k in published["data"]] == [kid]

    # Before the import, a second host has no way to the key, and says so.
    early = build_context(make_settings(tmp_path / "early-home", ctx.db.url, secret_key=None),
                          db=ctx.db)
    with TestClient(create_app(early, run_prepare=False)) as host:
        health = host.get("/healthz")
        assert health.status_code == 503 and "licensor keys import" in health.json()["error"]["message"]
    early.mailer.close()

    moved = json.loads(cli("secrets", "import", "--json"))
    assert moved == {"signing_keys": {kid: "imported"}, "portal_secret": "imported"}
    assert json.loads(cli("secrets", "import", "--json"))["signing_keys"] == {kid: "present"}
    assert json.loads(cli("keys", "export")) == published  # no published kid changed
    with ctx.db.engine.connect() as conn:
        sealed = conn.execute(text("SELECT private_key FROM signing_keys")).scalar_one()
    assert sealed.startswith("sealed-v1:")
    kek = (home / "secret-key").read_text().strip()
    assert stat.S_IMODE((home / "secret-key").stat().st_mode) == 0o600

    # A second host: an empty data directory of its own, the installation's KEK.
    second = build_context(make_settings(tmp_path / "second-home", ctx.db.url, secret_key=kek),
                           db=ctx.db)
    with TestClient(create_app(second, run_prepare=False)) as host:
        old = host.post("/v1/licenses/validate", json={
            "license_name": "Acme", "license_key": before["license_key"]})
        assert old.json()["code"] == "VALID"
        new = host.post("/v1/licenses", headers=ADMIN, json={
            "product": "desktop", "seats": 1, "license_name": "Beta", "email": "b@b.test"})
        assert new.status_code == 201, new.text
        assert host.post("/v1/licenses/validate", json={
            "license_name": "Beta", "license_key": new.json()["license_key"]}
            ).json()["code"] == "VALID"
        assert host.get("/healthz").json() == {"status": "ok"}
    # Forms and order links signed with the old file's secret stay valid.
    expected = hmac.new(portal, b"order:ord_1", hashlib.sha256).hexdigest()
    assert sign(second, "order", "ord_1") == expected
    assert not (tmp_path / "second-home" / "keys").exists()
    second.mailer.close()


def test_keys_export_and_import_keep_kids(ctx: Context, cli_in: Path, tmp_path: Path) -> None:
    out = tmp_path / "exported"
    assert "Wrote 1 private signing key" in cli("keys", "export", "--private", str(out))
    files = list(out.iterdir())
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    kid = files[0].name.removesuffix(".ed25519")
    key = SigningKey(base64.b64decode(files[0].read_bytes()))
    assert kid_for(bytes(key.verify_key)) == kid
    foreign = tmp_path / "foreign"
    foreign.mkdir(mode=0o700)
    other = SigningKey.generate()
    write_owner_only(foreign / "x.ed25519", base64.b64encode(bytes(other)) + b"\n")
    write_owner_only(foreign / f"{kid}.ed25519", files[0].read_bytes())
    done = json.loads(cli("keys", "import", str(foreign), "--json"))
    assert done == {kid: "present", kid_for(bytes(other.verify_key)): "added"}
    listed = {k["kid"]: k["status"] for k in json.loads(cli("keys", "list", "--json"))}
    assert listed == {kid: "active", kid_for(bytes(other.verify_key)): "verifying"}
    assert "SIGNING_KEY_NOT_FOUND" in cli("keys", "import", str(tmp_path / "nope"), code=2)


@pytest.fixture
def cli_in(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LICENSOR_HOME", str(ctx.settings.home))
    monkeypatch.setenv("LICENSOR_DATABASE_URL", ctx.db.url)
    return ctx.settings.home
