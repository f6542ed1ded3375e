"""Every license has a channel; an administrator imports marketplace licenses with their SEN."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.marketplace.helpers import error

MARKETPLACE = {"product": "confluence-server", "seats": 25, "license_name": "Acme Inc",
               "email": "it@acme.test", "channel": "marketplace", "sen": "SEN-L4567890"}


def test_admin_imports_a_marketplace_license_with_its_sen(client: TestClient,
                                                          admin: dict[str, str]) -> None:
    response = client.post("/v1/licenses", json=MARKETPLACE, headers=admin)
    assert response.status_code == 201, response.text
    lic = response.json()
    assert lic["channel"] == "marketplace" and lic["sen"] == "SEN-L4567890"
    stored = client.get(f"/v1/licenses/{lic['id']}", headers=admin).json()
    assert stored["channel"] == "marketplace" and stored["sen"] == "SEN-L4567890"
    found = client.get("/v1/licenses", params={"q": "SEN-L4567890"}, headers=admin).json()
    assert [x["id"] for x in found["data"]] == [lic["id"]]


def test_direct_is_the_default_channel(client: TestClient, admin: dict[str, str]) -> None:
    body = {k: v for k, v in MARKETPLACE.items() if k not in ("channel", "sen")}
    lic = client.post("/v1/licenses", json=body, headers=admin).json()
    assert lic["channel"] == "direct" and lic["sen"] is None


def test_marketplace_license_without_sen_is_refused(client: TestClient,
                                                    admin: dict[str, str]) -> None:
    for sen in (None, "", "   "):
        body = {**MARKETPLACE, "sen": sen}
        err = error(client.post("/v1/licenses", json=body, headers=admin), 422, "INVALID_REQUEST")
        assert err["details"]["field"] == "sen"
    assert client.get("/v1/licenses", headers=admin).json()["data"] == []


def test_direct_license_with_sen_is_refused(client: TestClient, admin: dict[str, str]) -> None:
    body = {**MARKETPLACE, "channel": "direct"}
    err = error(client.post("/v1/licenses", json=body, headers=admin), 422, "INVALID_REQUEST")
    assert err["details"]["field"] == "sen"


def test_channel_must_be_one_the_product_is_sold_through(client: TestClient,
                                                         admin: dict[str, str]) -> None:
    body = {**MARKETPLACE, "product": "desktop", "seats": 3}
    err = error(client.post("/v1/licenses", json=body, headers=admin), 422, "INVALID_REQUEST")
    assert err["details"]["field"] == "channel"
    bad = {**MARKETPLACE, "channel": "reseller"}
    err = error(client.post("/v1/licenses", json=bad, headers=admin), 422, "INVALID_REQUEST")
    assert err["details"]["field"] == "channel"
