"""The licensor CLI on the same database as the API."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient


def test_issue_show_verify_revoke(cli, client: TestClient) -> None:
    out = cli("licenses", "issue", "desktop", "--seats", "2", "--name", "Acme Inc",
              "--email", "a@acme.test")
    lic = json.loads(out)
    assert lic["seats"] == 2
    key = lic["license_key"]
    assert client.post("/v1/licenses/validate", json={"license_name": "Acme Inc",
                                                      "license_key": key}).json()["valid"]
    assert json.loads(cli("licenses", "show", lic["id"]))["id"] == lic["id"]
    assert '"code": "VALID"' in cli("licenses", "verify", "--name", "Acme Inc", "--key", key)
    assert '"code": "VALID"' in cli("licenses", "verify", "--name", "Acme Inc", "--key", key,
                                    "--offline")
    assert "NAME_MISMATCH" in cli("licenses", "verify", "--name", "Nope", "--key", key, code=1)
    assert "lic_" in cli("licenses", "list", "--email", "a@acme.test")
    cli("licenses", "revoke", lic["id"], "chargeback")
    assert "LICENSE_ALREADY_REVOKED" in cli("licenses", "revoke", lic["id"], "again", code=2)


def test_coded_refusals_exit_2(cli) -> None:
    out = cli("licenses", "issue", "jira-server", "--seats", "11", "--name", "A",
              "--email", "a@b.test", code=2)
    assert "INVALID_TIER" in out


def test_admin_token_from_cli_works_on_the_api(cli, client: TestClient) -> None:
    token = cli("tokens", "create", "ops").strip()
    assert token.startswith("lsr_")
    r = client.get("/v1/licenses", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200


def test_keys_rotate_and_audit_verify(cli, client: TestClient) -> None:
    before = {k["kid"] for k in client.get("/v1/signing-keys").json()["data"]}
    out = cli("keys", "rotate")
    kid = re.search(r"([0-9a-f]{8})", out).group(1)
    assert kid not in before
    exported = json.loads(cli("keys", "export"))
    assert kid in {k["kid"] for k in exported["data"]}


def test_exported_keys_verify_a_license_offline(cli, client: TestClient) -> None:
    """The export is the document an app ships: the offline verifier reads it as it is."""
    from licensor.verify import public_keys_from_json, verify

    lic = json.loads(cli("licenses", "issue", "desktop", "--seats", "3", "--name", "Acme Inc",
                         "--email", "a@acme.test"))
    keys = public_keys_from_json(json.loads(cli("keys", "export")))
    assert verify("Acme Inc", lic["license_key"], keys).valid
    assert not verify("Other Inc", lic["license_key"], keys).valid
    assert "Audit log intact" in cli("audit", "verify")
    assert isinstance(json.loads(cli("jobs", "run", "--json")), dict)
