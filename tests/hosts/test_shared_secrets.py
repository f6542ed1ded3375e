"""The secrets every host shares live in the database, sealed with the key-encryption key (KEK):
a copy of the database alone opens none of them, and a host given another KEK says so at start
and in /healthz, answers 503 instead of 500, and charges nothing it could not sign for."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from licensor.app import create_app
from licensor.core.context import Context, build_context
from licensor.core.secrets import generate_key
from licensor.core.web.portal import portal_secret
from tests.conftest import ADMIN, Run, make_settings
from tests.core.server import Server
from tests.orders.helpers import order, quote


def raw_rows(ctx: Context) -> str:
    """Everything the two tables hold, as a database copy shows it."""
    with ctx.db.engine.connect() as conn:
        rows = [*conn.execute(text("SELECT * FROM signing_keys")).all(),
                *conn.execute(text("SELECT * FROM installation_secrets")).all()]
    return json.dumps([[str(v) for v in row] for row in rows])


def test_a_copy_of_the_database_reveals_no_private_key(client: TestClient, ctx: Context) -> None:
    assert client.post("/v1/signing-keys/rotate", headers=ADMIN).status_code == 201
    assert client.get("/upgrade").status_code == 200  # the portal secret is made
    with ctx.db.reader() as session:
        seeds = [bytes(k) for k in ctx.keyring.export_private(session).values()]
    secret = portal_secret(ctx)
    assert len(seeds) == 2 and len(secret) == 64
    dump = raw_rows(ctx)
    assert dump.count("sealed-v1:") == 3  # two private keys and the portal secret
    for plain in [*seeds, secret]:
        for shown in (plain.hex(), base64.b64encode(plain).decode(),
                      base64.urlsafe_b64encode(plain).decode(), plain.decode("latin-1")):
            assert shown not in dump


@pytest.fixture
def other_host(ctx: Context, tmp_path: Path) -> Iterator[TestClient]:
    """A second host on the same database, given another KEK than the installation's."""
    settings = make_settings(tmp_path / "other-home", ctx.db.url, secret_key=generate_key())
    other = build_context(settings, db=ctx.db)
    with TestClient(create_app(other, run_prepare=False), raise_server_exceptions=False) as c:
        yield c
    other.mailer.close()


def test_a_host_with_another_kek_says_so_and_charges_nothing(
        client: TestClient, other_host: TestClient) -> None:
    lic = client.post("/v1/licenses", headers=ADMIN, json={
        "product": "desktop", "seats": 1, "license_name": "Acme", "email": "a@acme.test"}).json()
    assert client.get("/healthz").json() == {"status": "ok"}
    health = other_host.get("/healthz")
    assert health.status_code == 503
    assert health.json()["error"]["code"] == "SIGNING_KEY_UNAVAILABLE"
    assert "LICENSOR_SECRET_KEY" in health.json()["error"]["message"]

    for answer in (other_host.post("/v1/licenses/validate", json={
                       "license_name": "Acme", "license_key": lic["license_key"]}),
                   other_host.post("/v1/licenses", headers=ADMIN, json={
                       "product": "desktop", "seats": 1, "license_name": "B",
                       "email": "b@acme.test"}),
                   other_host.get("/v1/revocations")):
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"]["code"] == "SIGNING_KEY_UNAVAILABLE"

    page = other_host.get("/upgrade")  # the portal's secret is sealed with the other KEK too
    assert page.status_code == 503 and "SECRET_KEY_MISMATCH" in page.text

    unpaid = order(other_host, quote(other_host, kind="new", product="desktop", seats=2)["id"])
    paid = other_host.post(f"/v1/orders/{unpaid['id']}/pay", json={"card_token": "tok_visa"})
    assert paid.status_code == 503 and paid.json()["error"]["code"] == "SIGNING_KEY_UNAVAILABLE"
    charges = client.get("/v1/sandbox/charges", params={"limit": 100}, headers=ADMIN).json()
    assert not [c for c in charges["data"] if c["metadata"].get("order_id") == unpaid["id"]]
    assert client.get(f"/v1/orders/{unpaid['id']}", headers=ADMIN).json()["status"] == \
        "awaiting_payment"
    # The same order pays on a host that can sign.
    assert client.post(f"/v1/orders/{unpaid['id']}/pay",
                       json={"card_token": "tok_visa"}).json()["status"] == "fulfilled"


@pytest.mark.server
def test_a_host_with_another_kek_says_so_when_it_starts(ctx: Context, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    server = Server(ctx, logs, env={"LICENSOR_HOME": str(tmp_path / "wrong"),
                                    "LICENSOR_SECRET_KEY": generate_key()})
    log = logs / "wrong.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "licensor.cli", "serve", "--port", str(server.port)],
            env=server.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server.process = process
    try:
        deadline = time.monotonic() + 60
        status = None
        while status != 503 and time.monotonic() < deadline and process.poll() is None:
            try:
                status = httpx.get(server.base + "/healthz", timeout=1).status_code
            except httpx.HTTPError:
                time.sleep(0.2)
        assert status == 503, log.read_text()
        said = " ".join(log.read_text().split())
        assert "This host cannot sign" in said and "SIGNING_KEY_UNAVAILABLE" in said
    finally:
        server.stop()


def test_a_kek_given_wrongly_stops_the_start(ctx: Context, cli: Run,
                                             monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    monkeypatch.setenv("LICENSOR_SECRET_KEY", "too-short")
    out = cli("serve", "--port", "1", code=2)
    assert "SECRET_KEY_INVALID" in out and "generate-key" in out
    monkeypatch.delenv("LICENSOR_SECRET_KEY")
    monkeypatch.setenv("LICENSOR_SECRET_KEY_FILE", str(tmp_path / "missing"))
    assert "SECRET_KEY_INVALID" in cli("serve", "--port", "1", code=2)


def test_the_kek_from_a_file_and_the_status_command(ctx: Context, cli: Run,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    kek = tmp_path / "kek"
    kek.write_text(ctx.secrets.sealer.key_text() + "\n")
    kek.chmod(0o600)
    monkeypatch.delenv("LICENSOR_SECRET_KEY", raising=False)
    monkeypatch.setenv("LICENSOR_SECRET_KEY_FILE", str(kek))
    status = json.loads(cli("secrets", "status", "--json"))
    assert status["signing"] == "ok" and status["key_encryption_key"]["source"] == str(kek)
    kek.chmod(0o640)
    assert "SECRET_KEY_EXPOSED" in cli("secrets", "status", code=2)
    kek.chmod(0o600)
    new = cli("secrets", "generate-key").strip()
    assert len(base64.urlsafe_b64decode(new)) == 32
    monkeypatch.setenv("LICENSOR_SECRET_KEY", new)  # not the installation's
    status_out = cli("secrets", "status", "--json", code=1)
    assert "SIGNING_KEY_UNAVAILABLE" in json.loads(status_out)["signing"]
