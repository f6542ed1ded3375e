"""Licenses refuse what a probe of bad input sends: LIKE wildcards in the admin search are
literal characters, a License Name outside Unicode 14.0 is refused, and so are dates a License
Key cannot carry (4-byte Unix seconds)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from nacl.signing import SigningKey
from sqlalchemy import func, select

from licensor.bulk import service as bulk
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.licenses.models import LicenseRow
from licensor.licenses.service import license_key
from tests.builders import create_license


def _names(client: TestClient, admin: dict[str, str], q: str) -> set[str]:
    r = client.get("/v1/licenses", params={"q": q}, headers=admin)
    assert r.status_code == 200, r.text
    return {lic["license_name"] for lic in r.json()["data"]}


def test_search_wildcards_are_literal(client: TestClient, ctx: Context, admin) -> None:
    for name in ("Acme 100% Ltd", "Plain Ltd", "Under_Score Inc", "UnderXScore Inc",
                 "Back\\slash Co"):
        create_license(ctx, license_name=name, email="x@acme.test")
    assert _names(client, admin, "%") == {"Acme 100% Ltd"}
    assert _names(client, admin, "0%") == {"Acme 100% Ltd"}
    assert _names(client, admin, "under_") == {"Under_Score Inc"}
    assert _names(client, admin, "_") == {"Under_Score Inc"}
    assert _names(client, admin, "\\") == {"Back\\slash Co"}
    assert _names(client, admin, "ltd") == {"Acme 100% Ltd", "Plain Ltd"}


def test_a_license_name_outside_unicode_14_is_refused_at_issue(client: TestClient,
                                                                admin) -> None:
    for name, code_point in (("Rams\ua7cb Ltd", "U+A7CB"), ("Acme \U0001e030", "U+1E030")):
        r = client.post("/v1/licenses", json={"product": "desktop", "seats": 3,
                                              "license_name": name, "email": "a@acme.test"},
                        headers=admin)
        assert r.status_code == 422, r.text
        error = r.json()["error"]
        assert error["code"] == "INVALID_REQUEST"
        assert error["details"] == {"field": "license_name", "character": code_point}
        assert code_point in error["message"] and "leave it out" in error["message"]


def test_validating_a_name_outside_unicode_14_is_a_name_mismatch(client: TestClient,
                                                                 ctx: Context) -> None:
    row = create_license(ctx, license_name="Rams Ltd")
    # A lone surrogate is no character either: JSON can carry one, the API refuses it.
    for name, status, code in (("Rams\ua7cb Ltd", 200, "NAME_MISMATCH"),
                               ("Rams\ud800 Ltd", 422, "INVALID_REQUEST")):
        body = json.dumps({"license_name": name, "license_key": row.license_key}).encode()
        r = client.post("/v1/licenses/validate", content=body,
                        headers={"Content-Type": "application/json"})
        assert r.status_code == status, r.text
        assert (r.json()["code"] if status == 200 else r.json()["error"]["code"]) == code


@pytest.mark.parametrize("purchased_at", ["2105-06-01T00:00:00Z", "1960-03-01T00:00:00Z",
                                          "0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z"])
def test_a_purchase_whose_maintenance_a_key_cannot_carry_is_refused(
        client: TestClient, admin, purchased_at: str) -> None:
    r = client.post("/v1/licenses", json={"product": "jira-server", "seats": 10,
                                          "license_name": "Acme", "email": "a@acme.test",
                                          "purchased_at": purchased_at}, headers=admin)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert (error["code"], error["details"]["field"]) == ("INVALID_REQUEST", "purchased_at")
    assert "1970-01-01 to 2106-02-07" in error["message"]


def test_dates_a_key_can_carry_are_kept(client: TestClient, admin) -> None:
    # Near both ends of the key's 4-byte seconds, and a product whose key carries no maintenance.
    for product, seats, purchased_at in (("jira-server", 10, "2105-01-01T00:00:00Z"),
                                         ("jira-server", 10, "1971-01-01T00:00:00Z"),
                                         ("desktop", 1, "1960-03-01T00:00:00Z")):
        r = client.post("/v1/licenses", json={"product": product, "seats": seats,
                                              "license_name": "Acme", "email": "a@acme.test",
                                              "purchased_at": purchased_at}, headers=admin)
        assert r.status_code == 201, r.text
        assert r.json()["purchased_at"].startswith(purchased_at[:10])


def test_a_key_is_never_signed_with_a_date_it_cannot_carry() -> None:
    signer = SigningKey(b"\x05" * 32)
    for field, issued, maintenance in (
            ("issued_at", datetime(2106, 3, 1, tzinfo=UTC), None),
            ("maintenance_until", datetime(2026, 3, 1, tzinfo=UTC), datetime(2107, 1, 1, tzinfo=UTC)),
            ("maintenance_until", datetime(2026, 3, 1, tzinfo=UTC), datetime(1969, 1, 1, tzinfo=UTC))):
        with pytest.raises(LicensorError) as refused:
            license_key("0a0b0c0d", signer, license_id="lic_" + "ab" * 16, product="jira-server",
                        seats=10, license_name="Acme", issued=issued,
                        maintenance_until=maintenance, major_version=None)
        assert refused.value.status == 422 and refused.value.details == {"field": field}


def test_a_bulk_import_refuses_nul_characters_and_dates_a_key_cannot_carry(
        ctx: Context, tmp_path: Path) -> None:
    path = tmp_path / "old.csv"
    path.write_text("product,seats,license_name,email,purchased_at,maintenance_until\n"
                    "jira-server,10,Acme Inc,it@acme.test,2015-03-01,\n"
                    "jira-server,10,Nul\x00 Inc,it@nul.test,2015-03-01,\n"
                    "jira-server,10,Late Inc,it@late.test,2105-06-01,\n"
                    "jira-server,10,Early Inc,it@early.test,1960-01-01,\n"
                    "jira-server,10,Ends Inc,it@ends.test,2015-03-01,2107-01-01\n"
                    "jira-server,10,Rams\ua7cb Ltd,it@rams.test,2015-03-01,\n", encoding="utf-8")
    with pytest.raises(LicensorError) as refused:
        bulk.run(ctx, path, kind="import")
    rows = {r["row"]: r for r in refused.value.details["rows"]}
    assert sorted(rows) == [3, 4, 5, 6, 7]  # row 1 is the header, row 2 is good
    assert "NUL" in rows[3]["message"] and "license_name" in rows[3]["message"]
    assert "2106-02-07" in rows[4]["message"] and "purchased_at" in rows[4]["message"]
    assert "2106-02-07" in rows[5]["message"]
    assert "maintenance_until" in rows[6]["message"]
    assert "U+A7CB" in rows[7]["message"]
    assert {r["code"] for r in rows.values()} == {"INVALID_REQUEST"}
    with ctx.db.reader() as session:
        assert session.scalar(select(func.count()).select_from(LicenseRow)) == 0
