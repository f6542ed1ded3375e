"""License files: checkout as the contract says, checked offline by licensor.verify."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from licensor.core.context import Context
from licensor.verify import verify_license_file
from licensor.verify.revocations import decode_base64url
from tests.builders import create_license, license_info
from tests.conftest import ADMIN, Run
from tests.orders.helpers import buy


def checkout(client: TestClient, row: Any, **extra: Any) -> Any:
    return client.post("/v1/licenses/checkout", json={**license_info(row), **extra})


def keys(client: TestClient) -> dict[str, Any]:
    answer: dict[str, Any] = client.get("/v1/signing-keys").json()
    return answer


def test_a_plain_file_carries_the_license_for_the_ttl(client: TestClient, ctx: Context) -> None:
    row = create_license(ctx, product="desktop", seats=5)
    doc = checkout(client, row).json()
    assert doc["format"] == "licensor-license-file-v1" and doc["alg"] == "ed25519"
    payload = json.loads(decode_base64url(doc["payload"]) or b"")
    assert payload["license"] == {"id": row.id, "product": "desktop", "seats": 5,
                                  "license_name": "Acme Inc", "status": "active",
                                  "maintenance_until": None, "major_version": 3}
    assert payload["fingerprint"] is None
    issued, expires = (verify_license_file(doc, keys(client)).issued_at,
                       verify_license_file(doc, keys(client)).expires_at)
    assert issued is not None and expires == issued + 2592000
    check = verify_license_file(json.dumps(doc), keys(client), now=issued + 60)
    assert check.code == "VALID" and check.license == payload["license"]
    assert verify_license_file(doc, keys(client), now=expires + 1).code == "EXPIRED"
    short = checkout(client, row, ttl=3600).json()
    short_issued = verify_license_file(short, keys(client)).issued_at
    assert short_issued is not None  # a second may have passed since the first checkout
    assert verify_license_file(short, keys(client), now=short_issued + 3599).code == "VALID"
    assert verify_license_file(short, keys(client), now=short_issued + 3601).code == "EXPIRED"
    edited = {**doc, "payload": doc["payload"][:-4] + ("AAAA" if doc["payload"][-4:] != "AAAA"
                                                        else "BBBB")}
    assert verify_license_file(edited, keys(client)).code == "BAD_SIGNATURE"


def test_an_encrypted_file_bound_to_a_machine(client: TestClient, ctx: Context) -> None:
    row = create_license(ctx, product="confluence-server", seats=25)
    doc = checkout(client, row, fingerprint="host-7f3a", encrypt=True).json()
    assert doc["alg"] == "aes-256-gcm+ed25519"
    assert b"license" not in (decode_base64url(doc["payload"]) or b"license")
    public = keys(client)
    ok = verify_license_file(doc, public, license_key=row.license_key, fingerprint="host-7f3a")
    assert ok.code == "VALID" and ok.license is not None and ok.license["seats"] == 25
    typed = row.license_key.lower().replace("-", " ")  # as a person pastes it
    assert verify_license_file(doc, public, license_key=typed,
                               fingerprint="host-7f3a").code == "VALID"
    for key, fingerprint in ((row.license_key, "other-host"), (row.license_key, None),
                             (None, "host-7f3a")):
        assert verify_license_file(doc, public, license_key=key,
                                   fingerprint=fingerprint).code == "DECRYPTION_FAILED"
    bound = checkout(client, row, fingerprint="host-7f3a").json()
    assert verify_license_file(bound, public, fingerprint="host-7f3a").code == "VALID"
    assert verify_license_file(bound, public, fingerprint="other").code == \
        "FINGERPRINT_MISMATCH"


def test_checkout_refusals(client: TestClient, ctx: Context) -> None:
    row = create_license(ctx, product="desktop")
    for ttl in (3599, 31536001, 0, -5):
        r = checkout(client, row, ttl=ttl)
        assert (r.status_code, r.json()["error"]["code"]) == (422, "INVALID_TTL"), ttl
    for ttl in (3600, 31536000):
        assert checkout(client, row, ttl=ttl).status_code == 200
    r = client.post("/v1/licenses/checkout", json={"license_name": "Nobody",
                                                   "license_key": row.license_key})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "INVALID_LICENSE")
    r = checkout(client, row, fingerprint="")
    assert r.status_code == 422 and r.json()["error"]["code"] == "INVALID_REQUEST"
    client.post(f"/v1/licenses/{row.id}/revoke", json={"reason": "chargeback"}, headers=ADMIN)
    r = checkout(client, row)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "LICENSE_REVOKED")


def test_a_replaced_key_is_refused_naming_the_license_that_stands(client: TestClient,
                                                                   ctx: Context) -> None:
    row = create_license(ctx, product="desktop", seats=1)
    [new] = buy(client, kind="upgrade", seats=5, **license_info(row))["licenses"]
    r = checkout(client, row)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "LICENSE_SUPERSEDED")
    assert r.json()["error"]["details"]["superseded_by"] == new["id"]
    assert client.post("/v1/licenses/checkout", json={
        "license_name": new["license_name"], "license_key": new["license_key"]}).status_code == 200


def test_cli_checkout_and_verify_file(cli: Run, ctx: Context, tmp_path: Path) -> None:
    row = create_license(ctx, product="desktop")
    path = tmp_path / "license.json"
    cli("licenses", "checkout", "--name", row.license_name, "--key", row.license_key,
        "--fingerprint", "pc-1", "--encrypt", "--ttl", "7200", "--out", str(path))
    assert json.loads(path.read_text())["alg"] == "aes-256-gcm+ed25519"
    good = json.loads(cli("licenses", "verify-file", str(path), "--key", row.license_key,
                          "--fingerprint", "pc-1"))
    assert good["code"] == "VALID" and good["license"]["id"] == row.id
    bad = json.loads(cli("licenses", "verify-file", str(path), "--key", row.license_key,
                         "--fingerprint", "pc-2", code=1))
    assert bad["code"] == "DECRYPTION_FAILED"
    refused = cli("licenses", "checkout", "--name", row.license_name, "--key", row.license_key,
                  "--ttl", "60", code=2)
    assert "INVALID_TTL" in refused
