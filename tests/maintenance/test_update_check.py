"""POST /v1/updates/check: the server (maintenance end) and desktop (major version) policies."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from licensor.catalog import service as catalog
from licensor.core.context import Context
from licensor.core.models import AuditRow
from licensor.licenses import service as licenses
from licensor.maintenance import service as maintenance
from tests.builders import create_license, license_info

BOUGHT = datetime(2015, 3, 11, 16, 0, tzinfo=UTC)


def check(client: TestClient, info: dict, version: str) -> dict:
    r = client.post("/v1/updates/check", json={**info, "version": version})
    assert r.status_code == 200, r.text
    answer = r.json()
    # What signs the answer (tests/licenses/test_signed_answers.py) is not the verdict.
    assert answer.pop("nonce") is None and answer.pop("issued_at")
    return answer


def put_release(client: TestClient, admin: dict, product: str, version: str, at: str) -> None:
    r = client.put(f"/v1/products/{product}/releases/{version}", json={"released_at": at},
                   headers=admin)
    assert r.status_code in (200, 201), r.text


def test_server_release_up_to_the_exact_end_instant(ctx: Context, client: TestClient,
                                                    admin: dict) -> None:
    lic = create_license(ctx, product="confluence-server", seats=25, purchased_at=BOUGHT)
    put_release(client, admin, "confluence-server", "3.3.5", "2016-03-11T16:00:00Z")
    put_release(client, admin, "confluence-server", "3.3.6", "2016-03-11T16:00:01Z")
    at_end = check(client, license_info(lic), "3.3.5")
    assert at_end == {"version": "3.3.5", "allowed": True, "reason": "ALLOWED",
                      "latest_allowed": "3.3.5", "latest": "4.1.0",
                      "maintenance_until": "2016-03-11T16:00:00Z", "license_id": lic.id,
                      "product": "confluence-server", "major_version": None}
    after = check(client, license_info(lic), "3.3.6")
    assert (after["allowed"], after["reason"], after["latest_allowed"]) == \
        (False, "MAINTENANCE_EXPIRED", "3.3.5")
    older = check(client, license_info(lic), "3.0.0")
    assert (older["allowed"], older["reason"]) == (True, "ALLOWED")


def test_server_license_bought_on_a_leap_day(ctx: Context, client: TestClient,
                                             admin: dict) -> None:
    lic = create_license(ctx, product="jira-server", seats=10,
                         purchased_at=datetime(2016, 2, 29, 9, tzinfo=UTC))
    put_release(client, admin, "jira-server", "3.5.1", "2017-02-28T09:00:00Z")
    put_release(client, admin, "jira-server", "3.5.2", "2017-03-01T00:00:00Z")
    assert check(client, license_info(lic), "3.5.1")["allowed"] is True
    late = check(client, license_info(lic), "3.5.2")
    assert late["reason"] == "MAINTENANCE_EXPIRED" and late["latest_allowed"] == "3.5.1"
    assert late["maintenance_until"] == "2017-02-28T09:00:00Z"


def test_desktop_every_release_of_the_major_version_is_free(ctx: Context,
                                                            client: TestClient) -> None:
    lic = create_license(ctx, product="desktop", seats=1, purchased_at=BOUGHT)
    three = check(client, license_info(lic), "3.5.17")  # years after purchase: still free
    assert (three["allowed"], three["reason"], three["latest_allowed"], three["latest"],
            three["maintenance_until"], three["major_version"]) == \
        (True, "ALLOWED", "3.5.17", "4.1.0", None, 3)
    four = check(client, license_info(lic), "4.0.0")
    assert (four["allowed"], four["reason"], four["latest_allowed"]) == \
        (False, "MAJOR_UPGRADE_REQUIRED", "3.5.17")


def test_unknown_version_is_answered_not_refused(ctx: Context, client: TestClient) -> None:
    lic = create_license(ctx, product="desktop", seats=1)
    answer = check(client, license_info(lic), "3.99.0")
    assert (answer["allowed"], answer["reason"], answer["latest_allowed"]) == \
        (False, "UNKNOWN_VERSION", "3.5.17")


def test_invalid_version_is_422(ctx: Context, client: TestClient) -> None:
    lic = create_license(ctx, product="desktop", seats=1)
    r = client.post("/v1/updates/check", json={**license_info(lic), "version": "three"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "INVALID_VERSION"
    r = client.post("/v1/updates/check", json=license_info(lic))
    assert r.status_code == 422 and r.json()["error"]["details"]["field"].endswith("version")


def test_invalid_license_information_is_422(ctx: Context, client: TestClient) -> None:
    lic = create_license(ctx, product="desktop", seats=1)
    r = client.post("/v1/updates/check", json={"license_name": "Someone Else",
                                               "license_key": lic.license_key,
                                               "version": "3.0.0"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "INVALID_LICENSE"
    assert r.json()["error"]["details"]["code"] == "NAME_MISMATCH"
    r = client.post("/v1/updates/check", json={"license_name": "Acme Inc",
                                               "license_key": "AAAA-BBBB", "version": "3.0.0"})
    assert r.status_code == 422 and r.json()["error"]["details"]["code"] == "MALFORMED"


def test_revoked_license_is_409(ctx: Context, client: TestClient, admin: dict) -> None:
    lic = create_license(ctx, product="desktop", seats=1)
    assert client.post(f"/v1/licenses/{lic.id}/revoke", json={"reason": "chargeback"},
                       headers=admin).status_code == 200
    r = client.post("/v1/updates/check", json={**license_info(lic), "version": "3.0.0"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "LICENSE_REVOKED"


def test_a_renewed_licenses_previous_key_answers_with_the_new_end(ctx: Context,
                                                                   client: TestClient) -> None:
    lic = create_license(ctx, product="confluence-server", seats=25, purchased_at=BOUGHT)
    old_info = license_info(lic)
    with ctx.db.transaction() as session:
        row = licenses.get_license(session, lic.id, for_update=True)
        maintenance.renew(ctx, session, row, catalog.get_product(session, row.product),
                          now=datetime(2016, 1, 1, tzinfo=UTC), actor="test")
    answer = check(client, old_info, "3.5.0")  # released 2016-10-19, after the first end
    assert answer["maintenance_until"] == "2017-03-11T16:00:00Z"
    assert (answer["allowed"], answer["latest_allowed"]) == (True, "3.5.0")
    assert check(client, old_info, "3.6.0")["reason"] == "MAINTENANCE_EXPIRED"  # 2017-03-15


def test_a_key_superseded_by_an_upgrade_answers_for_the_new_license(ctx: Context,
                                                                    client: TestClient) -> None:
    old = create_license(ctx, product="jira-server", seats=10, purchased_at=BOUGHT)
    upgraded_at = datetime(2017, 5, 2, 8, tzinfo=UTC)
    new = create_license(ctx, product="jira-server", seats=25, purchased_at=upgraded_at,
                         supersedes=old.id)
    with ctx.db.transaction() as session:
        row = licenses.get_license(session, old.id, for_update=True)
        row.status, row.superseded_by = "superseded", new.id
    answer = check(client, license_info(old), "3.9.0")  # released 2017-10-18
    assert answer["license_id"] == new.id and answer["allowed"] is True
    assert answer["maintenance_until"] == "2018-05-02T08:00:00Z"


def test_the_update_check_writes_nothing(ctx: Context, client: TestClient) -> None:
    lic = create_license(ctx, product="desktop", seats=1)
    with ctx.db.reader() as session:
        before = session.scalar(select(func.count()).select_from(AuditRow))
    for version in ("3.0.0", "4.0.0", "9.9.9"):
        check(client, license_info(lic), version)
    with ctx.db.reader() as session:
        assert session.scalar(select(func.count()).select_from(AuditRow)) == before
