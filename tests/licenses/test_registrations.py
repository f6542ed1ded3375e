"""Named users: seat cap, same user same seat, unregister frees a seat, coded refusals."""

from __future__ import annotations

from fastapi.testclient import TestClient

from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.licenses.models import LicenseRow
from licensor.licenses.registrations import service as registrations
from licensor.licenses.registrations.service import move_registrations
from tests.builders import create_license, license_info, race


def register(client: TestClient, info: dict, user: str):
    return client.post("/v1/registrations", json={**info, "user": user})


def test_users_register_up_to_the_seat_cap(client: TestClient, ctx: Context, admin) -> None:
    lic = create_license(ctx, seats=2)
    info = license_info(lic)
    first = register(client, info, "ann@acme.test")
    assert first.status_code == 201 and first.json()["license_id"] == lic.id
    assert register(client, info, "bob@acme.test").status_code == 201
    full = register(client, info, "cy@acme.test")
    assert full.status_code == 409
    assert full.json()["error"]["code"] == "SEATS_EXHAUSTED"
    assert full.json()["error"]["details"] == {"seats": 2, "registered": 2}
    regs = client.get(f"/v1/licenses/{lic.id}/registrations", headers=admin).json()
    assert [r["user"] for r in regs["data"]] == ["ann@acme.test", "bob@acme.test"]


def test_same_user_on_another_machine_is_the_same_seat(client: TestClient, ctx) -> None:
    info = license_info(create_license(ctx, seats=1))
    first = register(client, info, "Ann@Acme.test")
    again = register(client, info, "  ann@acme.TEST ")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]


def test_unregister_frees_the_seat(client: TestClient, ctx) -> None:
    info = license_info(create_license(ctx, seats=1))
    register(client, info, "ann")
    r = client.post("/v1/registrations/unregister", json={**info, "user": "ann"})
    assert r.status_code == 200
    assert register(client, info, "bob").status_code == 201
    r = client.post("/v1/registrations/unregister", json={**info, "user": "ann"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_REGISTERED"


def test_invalid_and_revoked_license_information(client: TestClient, ctx, admin) -> None:
    lic = create_license(ctx)
    r = register(client, {"license_name": "Wrong Name", "license_key": lic.license_key}, "ann")
    assert r.status_code == 422 and r.json()["error"]["code"] == "INVALID_LICENSE"
    assert r.json()["error"]["details"]["code"] == "NAME_MISMATCH"
    r = register(client, {"license_name": "x", "license_key": "garbage"}, "ann")
    assert r.json()["error"]["details"]["code"] == "MALFORMED"
    client.post(f"/v1/licenses/{lic.id}/revoke", json={"reason": "refund"}, headers=admin)
    r = register(client, license_info(lic), "ann")
    assert r.status_code == 409 and r.json()["error"]["code"] == "LICENSE_REVOKED"


def test_superseded_key_keeps_its_users_but_registers_nobody_new(client: TestClient,
                                                                 ctx) -> None:
    old = create_license(ctx, seats=1)
    register(client, license_info(old), "ann")
    new = create_license(ctx, seats=5)
    with ctx.db.transaction() as s:
        row = s.get(LicenseRow, old.id)
        row.status, row.superseded_by = "superseded", new.id
        move_registrations(s, old.id, new.id)
    again = register(client, license_info(old), "ann")
    assert again.status_code == 200 and again.json()["license_id"] == new.id
    r = register(client, license_info(old), "bob")
    assert r.status_code == 409 and r.json()["error"]["code"] == "LICENSE_SUPERSEDED"
    assert r.json()["error"]["details"]["superseded_by"] == new.id
    assert register(client, license_info(new), "bob").status_code == 201


def test_names_in_any_script(client: TestClient, ctx) -> None:
    lic = create_license(ctx, seats=3, license_name="株式会社バルサミック")
    info = license_info(lic)
    for user in ("山田太郎", "مستخدم", "🦄 unicorn"):
        assert register(client, info, user).status_code == 201
    assert register(client, {**info, "license_name": "株式会社"}, "x").status_code == 422


def test_bad_user_values(client: TestClient, ctx) -> None:
    info = license_info(create_license(ctx))
    assert register(client, info, "   ").json()["error"]["code"] == "INVALID_REQUEST"
    assert register(client, info, "x" * 5000).json()["error"]["code"] == "INVALID_REQUEST"
    r = client.post("/v1/registrations", json=info)
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "user"


def test_concurrent_registrations_never_exceed_the_seats(ctx: Context) -> None:
    lic = create_license(ctx, seats=3)

    def attempt(i: int) -> str:
        with ctx.db.transaction() as s:
            registrations.register(ctx, s, license_name=lic.license_name,
                                   license_key=lic.license_key, user=f"user{i}",
                                   now=ctx.clock.now(s))
        return "ok"

    outcomes = [r.code if isinstance(r, LicensorError) else r for r in race(6, attempt)]
    assert sorted(outcomes) == ["SEATS_EXHAUSTED"] * 3 + ["ok"] * 3
