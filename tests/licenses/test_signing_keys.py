"""Signing keys: made on first start (sealed in the database under an owner-only key-encryption
key), rotated, retired; public keys served."""

from __future__ import annotations

import stat

from fastapi.testclient import TestClient

from licensor.core.context import Context
from licensor.core.models import SigningKeyRow
from licensor.verify import Verifier, public_keys_from_json
from tests.builders import create_license, license_info


def test_first_start_made_a_signing_key_sealed_in_the_database(
        client: TestClient, ctx: Context) -> None:
    keys = client.get("/v1/signing-keys").json()["data"]
    assert len(keys) == 1 and keys[0]["status"] == "active"
    assert keys[0]["algorithm"] == "Ed25519"
    assert not ctx.settings.keys_dir.exists()  # nothing a second host would have to copy
    with ctx.db.reader() as session:
        row = session.get(SigningKeyRow, keys[0]["kid"])
        assert row is not None and (row.private_key or "").startswith("sealed-v1:")
    assert stat.S_IMODE(ctx.settings.home.stat().st_mode) == 0o700


def test_rotation_keeps_old_keys_valid_until_retired(client: TestClient, ctx, admin) -> None:
    old = create_license(ctx)
    old_kid = client.get("/v1/signing-keys").json()["data"][0]["kid"]
    assert client.post("/v1/signing-keys/rotate").status_code == 401
    r = client.post("/v1/signing-keys/rotate", headers=admin)
    assert r.status_code == 201
    new_kid = r.json()["kid"]
    assert new_kid != old_kid
    new = create_license(ctx, license_name="Beta")
    assert new.kid == new_kid
    statuses = {k["kid"]: k["status"] for k in client.get("/v1/signing-keys").json()["data"]}
    assert statuses == {old_kid: "verifying", new_kid: "active"}
    for lic in (old, new):
        assert client.post("/v1/licenses/validate", json=license_info(lic)).json()["code"] == \
            "VALID"
    r = client.post(f"/v1/signing-keys/{new_kid}/retire", headers=admin)
    assert r.status_code == 409 and r.json()["error"]["code"] == "SIGNING_KEY_ACTIVE"
    assert client.post(f"/v1/signing-keys/{old_kid}/retire", headers=admin).status_code == 200
    assert client.post("/v1/licenses/validate", json=license_info(old)).json()["code"] == \
        "UNKNOWN_KEY"
    assert client.post("/v1/licenses/validate", json=license_info(new)).json()["code"] == "VALID"
    r = client.post("/v1/signing-keys/ffffffff/retire", headers=admin)
    assert r.status_code == 404


def test_offline_and_online_verdicts_agree(client: TestClient, ctx) -> None:
    lic = create_license(ctx, license_name="Ünïcødé GmbH")
    offline = Verifier(public_keys_from_json(client.get("/v1/signing-keys").json()))
    for name, key in ((lic.license_name, lic.license_key), ("Other", lic.license_key),
                      (lic.license_name, lic.license_key[:-7] + "AAAAAAA"),
                      (lic.license_name, "nonsense")):
        online = client.post("/v1/licenses/validate",
                             json={"license_name": name, "license_key": key}).json()
        verdict = offline.verify(name, key)
        assert verdict.code == online["code"], (name, key)
        assert verdict.valid == online["valid"]
