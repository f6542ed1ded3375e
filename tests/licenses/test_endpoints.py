"""Admin license endpoints, public validation (read-only) and lost keys."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from licensor.core.context import Context
from licensor.core.models import AuditRow, MailRow
from licensor.licenses.models import LicenseRow
from tests.builders import create_license, issue, license_info


def test_admin_issues_a_license_with_license_information(client: TestClient, admin) -> None:
    lic = issue(client, admin)
    assert lic["id"].startswith("lic_") and lic["status"] == "active"
    assert lic["seats"] == 3 and lic["major_version"] == 3 and lic["channel"] == "direct"
    assert lic["maintenance_until"] is None and lic["registrations"] == []
    r = client.post("/v1/licenses/validate", json={"license_name": "Acme Inc",
                                                   "license_key": lic["license_key"]})
    body = r.json()
    assert r.status_code == 200 and body["valid"] is True and body["code"] == "VALID"
    assert body["license"] == {"id": lic["id"], "product": "desktop", "seats": 3,
                               "status": "active", "maintenance_until": None,
                               "major_version": 3, "superseded_by": None}
    assert client.get(f"/v1/licenses/{lic['id']}", headers=admin).json()["license_key"] == \
        lic["license_key"]


def test_server_license_carries_twelve_months_of_maintenance(client: TestClient, admin) -> None:
    lic = issue(client, admin, product="jira-server", seats=25,
                purchased_at="2016-02-29T10:00:00Z")
    assert lic["maintenance_until"] == "2017-02-28T10:00:00Z"


def test_admin_calls_need_the_admin_token(client: TestClient) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}):
        r = client.post("/v1/licenses", json={"product": "desktop", "seats": 1,
                                              "license_name": "A", "email": "a@b.c"},
                        headers=headers)
        assert r.status_code == 401 and r.json()["error"]["code"] == "UNAUTHENTICATED"
    assert client.get("/v1/licenses", headers={}).status_code == 401


def test_refusals_when_issuing(client: TestClient, admin) -> None:
    cases = [
        ({"product": "nope"}, 404, "UNKNOWN_PRODUCT"),
        ({"product": "jira-server", "seats": 30}, 422, "INVALID_TIER"),
        ({"product": "mybalsamiq"}, 409, "PRODUCT_NOT_PERPETUAL"),
        ({"seats": 0}, 422, "INVALID_SEATS"),  # out of range: the same code as a quote's
        ({"seats": 10**30}, 422, "INVALID_SEATS"),
        ({"seats": -4}, 422, "INVALID_SEATS"),
        ({"seats": "many"}, 422, "INVALID_REQUEST"),
        ({"email": "not-an-email"}, 422, "INVALID_REQUEST"),
        ({"license_name": "   "}, 422, "INVALID_REQUEST"),
        ({"channel": "marketplace"}, 422, "INVALID_REQUEST"),  # desktop is direct only
    ]
    for change, status, code in cases:
        body = {"product": "desktop", "seats": 3, "license_name": "Acme",
                "email": "a@acme.test", **change}
        r = client.post("/v1/licenses", json=body, headers=admin)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), (change, r.text)
        assert r.json()["error"]["message"]
    r = client.post("/v1/licenses", json={"product": "desktop", "seats": "x",
                                          "license_name": "A", "email": "a@b.c"}, headers=admin)
    assert r.json()["error"]["details"]["field"] == "seats"


def test_validation_codes(client: TestClient, ctx: Context, admin) -> None:
    lic = issue(client, admin)
    key = lic["license_key"]

    def code(name: str, k: str, product: str | None = None) -> tuple[bool, str]:
        body = {"license_name": name, "license_key": k}
        if product:
            body["product"] = product
        r = client.post("/v1/licenses/validate", json=body)
        assert r.status_code == 200
        return r.json()["valid"], r.json()["code"]

    assert code("Acme Inc", key) == (True, "VALID")
    assert code("acme inc", key.lower().replace("-", " ")) == (True, "VALID")
    assert code("Other Co", key) == (False, "NAME_MISMATCH")
    assert code("Acme Inc", "garbage") == (False, "MALFORMED")
    assert code("Acme Inc", key, "jira-server") == (False, "PRODUCT_MISMATCH")
    flipped = ("B" if key[30] != "B" else "C")
    assert code("Acme Inc", key[:30] + flipped + key[31:])[1] in ("BAD_SIGNATURE", "MALFORMED",
                                                                  "UNKNOWN_KEY")
    client.post(f"/v1/licenses/{lic['id']}/revoke", json={"reason": "chargeback"}, headers=admin)
    assert code("Acme Inc", key) == (False, "REVOKED")


def test_a_key_whose_license_is_not_on_this_server_is_unknown(client: TestClient, ctx,
                                                              admin) -> None:
    lic = issue(client, admin)
    with ctx.db.transaction() as s:
        s.delete(s.get(LicenseRow, lic["id"]))
    r = client.post("/v1/licenses/validate", json={"license_name": "Acme Inc",
                                                   "license_key": lic["license_key"]})
    answer = r.json()
    assert (answer["valid"], answer["code"], answer["license"]) == (False, "UNKNOWN_KEY", None)


def test_superseded_key_stays_valid(client: TestClient, ctx: Context) -> None:
    old = create_license(ctx)
    new = create_license(ctx, seats=5)
    with ctx.db.transaction() as s:
        row = s.get(LicenseRow, old.id)
        row.status, row.superseded_by = "superseded", new.id
    body = client.post("/v1/licenses/validate", json=license_info(old)).json()
    assert body["valid"] is True and body["code"] == "SUPERSEDED"
    assert body["license"]["superseded_by"] == new.id


def test_validation_never_writes(client: TestClient, ctx: Context, admin) -> None:
    lic = issue(client, admin)

    def state() -> tuple:
        with ctx.db.reader() as s:
            return (s.scalar(select(func.count()).select_from(AuditRow)),
                    s.scalar(select(LicenseRow.version).where(LicenseRow.id == lic["id"])))

    before = state()
    for name in ("Acme Inc", "Wrong"):
        client.post("/v1/licenses/validate",
                    json={"license_name": name, "license_key": lic["license_key"]})
    assert state() == before


def test_revoke_twice_and_unknown(client: TestClient, admin) -> None:
    lic = issue(client, admin)
    r = client.post(f"/v1/licenses/{lic['id']}/revoke", json={"reason": "fraud"}, headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    r = client.post(f"/v1/licenses/{lic['id']}/revoke", json={"reason": "fraud"}, headers=admin)
    assert r.status_code == 409 and r.json()["error"]["code"] == "LICENSE_ALREADY_REVOKED"
    r = client.get("/v1/licenses/lic_nope", headers=admin)
    assert r.status_code == 404 and r.json()["error"]["code"] == "LICENSE_NOT_FOUND"


def test_search_and_pagination(client: TestClient, admin) -> None:
    ids = {issue(client, admin, email=f"u{i}@corp.test", license_name=f"Corp {i}")["id"]
           for i in range(5)}
    issue(client, admin, product="jira-server", seats=10, email="u1@corp.test")
    assert len(client.get("/v1/licenses?email=U1@corp.test", headers=admin).json()["data"]) == 2
    assert len(client.get("/v1/licenses?product=jira-server",
                          headers=admin).json()["data"]) == 1
    seen, cursor = set(), None
    while True:
        url = "/v1/licenses?product=desktop&limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=admin).json()
        seen |= {lic["id"] for lic in page["data"]}
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids
    assert client.get("/v1/licenses?q=corp 3", headers=admin).json()["data"][0]["license_name"] \
        == "Corp 3"
    assert client.get("/v1/licenses?limit=0", headers=admin).status_code == 422


def test_lost_key_mails_only_that_address_and_says_nothing(client: TestClient, ctx,
                                                           admin) -> None:
    lic = issue(client, admin, email="Owner@Acme.test")
    issue(client, admin, email="someone@else.test")
    known = client.post("/v1/licenses/lost-key", json={"email": "owner@acme.test"})
    unknown = client.post("/v1/licenses/lost-key", json={"email": "stranger@x.test"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    with ctx.db.reader() as s:
        mails = s.scalars(select(MailRow)).all()
    assert [m.to for m in mails] == ["Owner@Acme.test"]
    assert lic["license_key"] in mails[0].body and "Acme Inc" in mails[0].body
    assert ctx.mailer.wait_idle(10)  # sent in the background, after the response
    outbox = client.get("/v1/sandbox/outbox?to=Owner@Acme.test", headers=admin).json()["data"]
    assert len(outbox) == 1 and outbox[0]["sent_at"] is not None
