"""POST /v1/migrations: who may ask to move a direct license to the marketplace, and each
refusal."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from licensor.core import audit
from licensor.core.context import Context
from licensor.licenses.models import LicenseRow
from tests.builders import create_license
from tests.marketplace.helpers import error, migration_body, outbox


@pytest.fixture
def server_license(ctx: Context) -> LicenseRow:
    return create_license(ctx, product="confluence-server", seats=25, email="buyer@acme.test")


def test_matching_tier_makes_a_pending_request(client: TestClient, ctx: Context,
                                               admin: dict[str, str],
                                               server_license: LicenseRow) -> None:
    response = client.post("/v1/migrations", json=migration_body(server_license))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"] and body["status"] == "pending" and body["required_seats"] == 25
    assert body["license_id"] == server_license.id
    shown = client.get(f"/v1/migrations/{body['id']}", headers=admin).json()
    assert shown["organisation"] == "Acme Inc" and shown["address"]["country"] == "FR"
    assert shown["marketplace_email"] == "admin@acme.test"
    # The license is untouched until an administrator completes the request.
    lic = client.get(f"/v1/licenses/{server_license.id}", headers=admin).json()
    assert lic["channel"] == "direct" and lic["sen"] is None
    # Acknowledged to the license's buyer and to the marketplace account.
    for to in ("buyer@acme.test", "admin@acme.test"):
        mails = outbox(client, admin, to)
        assert len(mails) == 1 and body["id"] in mails[0]["body"]
    with ctx.db.reader() as session:
        entries = audit.entries_for(session, body["id"])
    assert [e.action for e in entries] == ["migration.requested"]


def test_unlimited_license_on_unlimited_server(client: TestClient, ctx: Context) -> None:
    lic = create_license(ctx, product="jira-server", seats=None)
    response = client.post("/v1/migrations", json=migration_body(lic, server_user_tier=None))
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "pending" and response.json()["required_seats"] is None


def test_smaller_license_with_agreement_awaits_the_upgrade(
        client: TestClient, admin: dict[str, str], server_license: LicenseRow) -> None:
    body = migration_body(server_license, server_user_tier=100, agree_to_upgrade=True)
    response = client.post("/v1/migrations", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "awaiting_upgrade"
    assert response.json()["required_seats"] == 100
    mail = outbox(client, admin, "buyer@acme.test")[0]
    assert "upgrade" in mail["body"] and "100 users" in mail["body"]


def test_smaller_license_without_agreement_is_a_tier_mismatch(
        client: TestClient, server_license: LicenseRow) -> None:
    body = migration_body(server_license, server_user_tier=100)
    err = error(client.post("/v1/migrations", json=body), 409, "TIER_MISMATCH")
    assert err["details"]["license_seats"] == 25
    assert err["details"]["server_user_tier"] == 100
    assert "agree_to_upgrade" in err["details"]["how_to_proceed"]


def test_server_tier_smaller_than_license_is_a_tier_mismatch(
        client: TestClient, server_license: LicenseRow) -> None:
    for agree in (False, True):
        body = migration_body(server_license, server_user_tier=10, agree_to_upgrade=agree)
        err = error(client.post("/v1/migrations", json=body), 409, "TIER_MISMATCH")
        assert err["details"]["reason"] == "LICENSE_LARGER_THAN_SERVER"
        assert "downgraded" in err["message"]


def test_unlimited_server_and_a_limited_license(client: TestClient,
                                                server_license: LicenseRow) -> None:
    body = migration_body(server_license, server_user_tier=None)
    err = error(client.post("/v1/migrations", json=body), 409, "TIER_MISMATCH")
    assert err["details"]["server_user_tier"] is None


def test_server_tier_must_be_a_tier_of_the_product(client: TestClient,
                                                   server_license: LicenseRow) -> None:
    err = error(client.post("/v1/migrations", json=migration_body(server_license,
                                                                  server_user_tier=30)),
                422, "INVALID_TIER")
    assert err["details"]["field"] == "server_user_tier"
    for bad in (0, -5, 10**9, "many", 2.5):
        err = error(client.post("/v1/migrations", json=migration_body(server_license,
                                                                      server_user_tier=bad)),
                    422, "INVALID_REQUEST")
        assert err["details"]["field"] == "server_user_tier"


def test_cloud_is_not_eligible(client: TestClient, server_license: LicenseRow) -> None:
    body = migration_body(server_license, hosting="cloud")
    error(client.post("/v1/migrations", json=body), 409, "CLOUD_NOT_ELIGIBLE")
    err = error(client.post("/v1/migrations", json=migration_body(server_license,
                                                                  hosting="datacenter")),
                422, "INVALID_REQUEST")
    assert err["details"]["field"] == "hosting"


def test_desktop_license_cannot_move_to_the_marketplace(client: TestClient,
                                                        ctx: Context) -> None:
    lic = create_license(ctx, product="desktop", seats=3)
    err = error(client.post("/v1/migrations", json=migration_body(lic, server_user_tier=3)),
                409, "PRODUCT_NOT_MIGRATABLE")
    assert err["details"]["eligible_products"] == ["confluence-server", "jira-server"]


def test_already_marketplace_license(client: TestClient, ctx: Context) -> None:
    lic = create_license(ctx, product="confluence-server", seats=25, channel="marketplace",
                         sen="SEN-L100")
    err = error(client.post("/v1/migrations", json=migration_body(lic)), 409,
                "ALREADY_MARKETPLACE")
    assert err["details"]["sen"] == "SEN-L100"
    assert err["details"]["url"] == "https://my.atlassian.com"


def test_one_open_request_per_license(client: TestClient, admin: dict[str, str],
                                      server_license: LicenseRow) -> None:
    first = client.post("/v1/migrations", json=migration_body(server_license)).json()
    err = error(client.post("/v1/migrations", json=migration_body(server_license)), 409,
                "MIGRATION_ALREADY_OPEN")
    assert err["details"]["migration_id"] == first["id"]
    # Once rejected, the customer may ask again.
    rejected = client.post(f"/v1/migrations/{first['id']}/reject",
                           json={"reason": "Wrong marketplace account"}, headers=admin)
    assert rejected.status_code == 200, rejected.text
    again = client.post("/v1/migrations", json=migration_body(server_license))
    assert again.status_code == 201 and again.json()["id"] != first["id"]


def test_invalid_license_information(client: TestClient, server_license: LicenseRow) -> None:
    err = error(client.post("/v1/migrations", json=migration_body(
        server_license, license_name="Someone Else")), 422, "INVALID_LICENSE")
    assert err["details"]["code"] == "NAME_MISMATCH"
    err = error(client.post("/v1/migrations", json=migration_body(
        server_license, license_key="AAAA-BBBB")), 422, "INVALID_LICENSE")
    assert err["details"]["code"] == "MALFORMED"


def test_revoked_license(client: TestClient, admin: dict[str, str],
                         server_license: LicenseRow) -> None:
    client.post(f"/v1/licenses/{server_license.id}/revoke", json={"reason": "chargeback"},
                headers=admin)
    error(client.post("/v1/migrations", json=migration_body(server_license)), 409,
          "LICENSE_REVOKED")


def test_superseded_key(client: TestClient, ctx: Context, server_license: LicenseRow) -> None:
    newer = create_license(ctx, product="confluence-server", seats=50)
    with ctx.db.transaction() as session:
        old = session.get(LicenseRow, server_license.id)
        assert old is not None
        old.status, old.superseded_by = "superseded", newer.id
    err = error(client.post("/v1/migrations", json=migration_body(server_license)), 409,
                "LICENSE_SUPERSEDED")
    assert err["details"]["superseded_by"] == newer.id


@pytest.mark.parametrize("field", [
    "license_name", "license_key", "marketplace_email", "holder_first_name", "holder_last_name",
    "organisation", "address", "hosting",
])
def test_missing_field_is_named(client: TestClient, server_license: LicenseRow,
                                field: str) -> None:
    body = migration_body(server_license)
    del body[field]
    err = error(client.post("/v1/migrations", json=body), 422, "INVALID_REQUEST")
    assert err["details"]["field"] == field


@pytest.mark.parametrize("field", ["license_name", "license_key", "marketplace_email",
                                   "holder_first_name", "holder_last_name", "organisation"])
def test_blank_field_is_named(client: TestClient, server_license: LicenseRow,
                              field: str) -> None:
    err = error(client.post("/v1/migrations", json=migration_body(server_license,
                                                                  **{field: "  "})),
                422, "INVALID_REQUEST")
    assert err["details"]["field"] == field


@pytest.mark.parametrize("part", ["line1", "city", "postal_code", "country"])
def test_address_parts_are_required(client: TestClient, server_license: LicenseRow,
                                    part: str) -> None:
    body = migration_body(server_license)
    del body["address"][part]
    err = error(client.post("/v1/migrations", json=body), 422, "INVALID_REQUEST")
    assert err["details"]["field"] == f"address.{part}"
    body["address"][part] = " "
    err = error(client.post("/v1/migrations", json=body), 422, "INVALID_REQUEST")
    assert err["details"]["field"] == f"address.{part}"


def test_server_user_tier_is_required_for_server_hosting(client: TestClient,
                                                         server_license: LicenseRow) -> None:
    body = migration_body(server_license)
    del body["server_user_tier"]
    err = error(client.post("/v1/migrations", json=body), 422, "INVALID_REQUEST")
    assert err["details"]["field"] == "server_user_tier"


def test_marketplace_email_must_be_an_address(client: TestClient,
                                              server_license: LicenseRow) -> None:
    err = error(client.post("/v1/migrations", json=migration_body(
        server_license, marketplace_email="not-an-email")), 422, "INVALID_REQUEST")
    assert err["details"]["field"] == "marketplace_email"


def test_oversized_and_garbage_input_is_never_a_500(client: TestClient,
                                                    server_license: LicenseRow) -> None:
    for body in (migration_body(server_license, organisation="x" * 5000),
                 migration_body(server_license, address="Main street"),
                 migration_body(server_license, agree_to_upgrade="perhaps"), [], "null"):
        response = client.post("/v1/migrations", json=body)
        assert response.status_code == 422, response.text
    response = client.post("/v1/migrations", content=b"{not json",
                           headers={"content-type": "application/json"})
    error(response, 422, "INVALID_REQUEST")
