"""Which license a customer's License Information stands for, decided in one place: a change
needs the current key (a replaced one is LICENSE_SUPERSEDED naming its successor); reading or
registering follows a replaced key to the license that stands; a revoked license is refused
with the same sentence everywhere."""

from __future__ import annotations

from fastapi.testclient import TestClient

from licensor.core.context import Context
from licensor.licenses.models import LicenseRow
from licensor.licenses.registrations.service import move_registrations
from tests.builders import create_license, license_info


def _supersede(ctx: Context, old: LicenseRow, new: LicenseRow) -> None:
    with ctx.db.transaction() as s:
        row = s.get(LicenseRow, old.id)
        assert row is not None
        row.status, row.superseded_by = "superseded", new.id
        move_registrations(s, old.id, new.id)


def test_a_change_with_a_replaced_key_names_the_license_that_stands(client: TestClient,
                                                                   ctx: Context) -> None:
    old, new = create_license(ctx, product="jira-server", seats=10), create_license(
        ctx, product="jira-server", seats=25)
    _supersede(ctx, old, new)
    r = client.post("/v1/quotes", json={"kind": "upgrade", "seats": 50, **license_info(old)})
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "LICENSE_SUPERSEDED"
    assert r.json()["error"]["details"]["superseded_by"] == new.id
    # reading with it answers for the license that stands
    r = client.post("/v1/updates/check", json={**license_info(old), "version": "3.0.0"})
    assert r.status_code == 200, r.text
    assert r.json()["license_id"] == new.id


def test_a_revoked_license_is_refused_with_one_sentence(client: TestClient, ctx: Context,
                                                        admin: dict[str, str]) -> None:
    lic = create_license(ctx, product="jira-server", seats=10)
    r = client.post(f"/v1/licenses/{lic.id}/revoke", json={"reason": "refund"}, headers=admin)
    assert r.status_code == 200, r.text
    info = license_info(lic)
    answers = [
        client.post("/v1/quotes", json={"kind": "upgrade", "seats": 50, **info}),
        client.post("/v1/updates/check", json={**info, "version": "3.0.0"}),
        client.post("/v1/registrations", json={**info, "user": "ann"}),
    ]
    errors = [a.json()["error"] for a in answers]
    assert [(a.status_code, e["code"]) for a, e in zip(answers, errors, strict=True)] == [
        (409, "LICENSE_REVOKED")] * 3
    assert len({e["message"] for e in errors}) == 1
    assert all(e["details"] == {"license_id": lic.id} for e in errors)
