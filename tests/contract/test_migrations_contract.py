"""The marketplace migration contract, black-box over HTTP."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.contract.helpers import err, info, new_license, outbox


def body_for(lic: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = {**info(lic), "hosting": "server", "server_user_tier": lic["seats"],
            "agree_to_upgrade": False, "marketplace_email": "it@acme.test",
            "holder_first_name": "Jane", "holder_last_name": "Doe", "organisation": "Acme Inc",
            "address": {"line1": "1 Main St", "city": "Springfield", "postal_code": "12345",
                        "country": "US", "region": "IL"}}
    body.update(changes)
    return body


def server_license(client: TestClient, admin: dict[str, str], seats: int = 25,
                   **fields: Any) -> dict[str, Any]:
    return new_license(client, admin, product="confluence-server", seats=seats,
                       email="owner@acme.test", **fields)


def test_request_and_complete(client: TestClient, admin: dict[str, str]) -> None:
    lic = server_license(client, admin)
    r = client.post("/v1/migrations", json=body_for(lic))
    assert r.status_code == 201, r.text
    m = r.json()
    assert {"id", "status", "required_seats"} <= set(m)
    assert m["status"] == "pending" and m["required_seats"] == 25
    assert any(x["id"] == m["id"] for x in client.get("/v1/migrations",
                                                       headers=admin).json()["data"])
    assert err(client.post(f"/v1/migrations/{m['id']}/complete", json={"sen": "SEN-L555"})
               ) == (401, "UNAUTHENTICATED")
    missing = client.post(f"/v1/migrations/{m['id']}/complete", json={}, headers=admin)
    assert err(missing) == (422, "INVALID_REQUEST")
    assert missing.json()["error"]["details"]["field"] == "sen"
    done = client.post(f"/v1/migrations/{m['id']}/complete", json={"sen": "SEN-L555"},
                       headers=admin)
    assert done.status_code == 200, done.text
    after = client.get(f"/v1/licenses/{lic['id']}", headers=admin).json()
    assert after["channel"] == "marketplace" and after["sen"] == "SEN-L555"
    mails = outbox(client, admin, "owner@acme.test") + outbox(client, admin, "it@acme.test")
    assert any("SEN-L555" in mail["body"] for mail in mails)
    # from then on upgrades and renewals go through the marketplace
    r = client.post("/v1/quotes", json={"kind": "upgrade", **info(lic), "seats": 50})
    assert err(r) == (409, "UPGRADE_VIA_MARKETPLACE")
    again = client.post("/v1/migrations", json=body_for(lic))
    assert err(again) == (409, "ALREADY_MARKETPLACE")
    assert err(client.post("/v1/migrations/mig_nope/complete", json={"sen": "SEN-L1"},
                           headers=admin))[0] == 404


def test_tier_rules(client: TestClient, admin: dict[str, str]) -> None:
    lic = server_license(client, admin, seats=25)
    r = client.post("/v1/migrations", json=body_for(lic, server_user_tier=50))
    assert err(r) == (409, "TIER_MISMATCH")
    agreed = client.post("/v1/migrations",
                         json=body_for(lic, server_user_tier=50, agree_to_upgrade=True))
    assert agreed.status_code == 201, agreed.text
    assert agreed.json()["status"] == "awaiting_upgrade"
    assert agreed.json()["required_seats"] == 50


def test_refusals(client: TestClient, admin: dict[str, str]) -> None:
    lic = server_license(client, admin)
    cloud = client.post("/v1/migrations", json=body_for(lic, hosting="cloud"))
    assert err(cloud) == (409, "CLOUD_NOT_ELIGIBLE")
    market = server_license(client, admin, channel="marketplace", sen="SEN-L9",
                            license_name="Market Co")
    assert err(client.post("/v1/migrations", json=body_for(market))) == (
        409, "ALREADY_MARKETPLACE")
    bad_key = body_for(lic, license_key="garbage")
    assert err(client.post("/v1/migrations", json=bad_key)) == (422, "INVALID_LICENSE")
    for field in ("marketplace_email", "holder_first_name", "holder_last_name", "organisation",
                  "address", "license_key", "hosting"):
        body = body_for(lic)
        del body[field]
        r = client.post("/v1/migrations", json=body)
        assert err(r) == (422, "INVALID_REQUEST"), field
        assert r.json()["error"]["details"]["field"] == field
    for part in ("line1", "city", "postal_code", "country"):
        body = body_for(lic)
        del body["address"][part]
        r = client.post("/v1/migrations", json=body)
        assert err(r) == (422, "INVALID_REQUEST"), part
        assert r.json()["error"]["details"]["field"] == f"address.{part}"
    blank = client.post("/v1/migrations", json=body_for(lic, organisation="  "))
    assert err(blank) == (422, "INVALID_REQUEST")
    assert blank.json()["error"]["details"]["field"] == "organisation"
