"""Refunds: 60 days without questions, later only forced; an upgrade's refund restores."""

from __future__ import annotations

from fastapi.testclient import TestClient

from licensor.core.context import Context
from tests.builders import create_license, license_info, set_clock
from tests.orders.helpers import buy, error, order, quote


def validate(client: TestClient, info: dict[str, str]) -> dict[str, object]:
    return client.post("/v1/licenses/validate", json=info).json()


def test_refund_new_license_revokes_it(client: TestClient, admin: dict[str, str]) -> None:
    set_clock(client, admin, "2026-01-01T00:00:00Z")
    done = buy(client, kind="new", product="desktop", seats=1)
    set_clock(client, admin, "2026-03-01T00:00:00Z")  # day 59
    error(client.post(f"/v1/orders/{done['id']}/refund"), 401, "UNAUTHENTICATED")
    r = client.post(f"/v1/orders/{done['id']}/refund", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "refunded" and r.json()["refunded_at"]
    lic = done["licenses"][0]
    got = validate(client, {"license_name": lic["license_name"], "license_key": lic["license_key"]})
    assert got["code"] == "REVOKED"
    error(client.post(f"/v1/orders/{done['id']}/refund", headers=admin),
          409, "ORDER_NOT_REFUNDABLE")


def test_refund_window_then_force(client: TestClient, admin: dict[str, str]) -> None:
    set_clock(client, admin, "2026-01-01T00:00:00Z")
    done = buy(client, kind="new", product="desktop", seats=1)
    set_clock(client, admin, "2026-03-03T00:00:00Z")  # 61 days later
    error(client.post(f"/v1/orders/{done['id']}/refund", headers=admin),
          409, "REFUND_WINDOW_PASSED")
    error(client.post(f"/v1/orders/{done['id']}/refund", json={"force": False}, headers=admin),
          409, "REFUND_WINDOW_PASSED")
    r = client.post(f"/v1/orders/{done['id']}/refund", json={"force": True}, headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "refunded"


def test_refund_upgrade_restores_previous_license(ctx: Context, client: TestClient,
                                                  admin: dict[str, str]) -> None:
    old = create_license(ctx, seats=1)
    old_info = license_info(old)
    client.post("/v1/registrations", json={**old_info, "user": "alice"})
    done = buy(client, kind="upgrade", seats=5, **old_info)
    new = done["licenses"][0]
    new_info = {"license_name": new["license_name"], "license_key": new["license_key"]}
    client.post("/v1/registrations", json={**new_info, "user": "bob"})
    r = client.post(f"/v1/orders/{done['id']}/refund", headers=admin)
    assert r.status_code == 200, r.text
    assert validate(client, new_info)["code"] == "REVOKED"
    got = validate(client, old_info)
    assert got["code"] == "VALID" and got["license"]["superseded_by"] is None  # type: ignore[index]
    restored = client.get(f"/v1/licenses/{old.id}", headers=admin).json()
    assert restored["status"] == "active"
    assert sorted(x["user"] for x in restored["registrations"]) == ["alice", "bob"]
    # over its seats now: nobody new until someone leaves, but the registered keep working
    r = client.post("/v1/registrations", json={**old_info, "user": "carol"})
    error(r, 409, "SEATS_EXHAUSTED")
    assert client.post("/v1/registrations", json={**old_info, "user": "bob"}).status_code == 200
    # and it can be upgraded again
    assert quote(client, kind="upgrade", seats=2, **old_info)["total"]["amount"] == 8900


def test_refund_only_the_latest_link(ctx: Context, client: TestClient,
                                     admin: dict[str, str]) -> None:
    old = create_license(ctx, seats=1)
    first = buy(client, kind="upgrade", seats=2, **license_info(old))
    mid = first["licenses"][0]
    second = buy(client, kind="upgrade", seats=5, license_name=mid["license_name"],
                 license_key=mid["license_key"])
    body = error(client.post(f"/v1/orders/{first['id']}/refund", headers=admin),
                 409, "ORDER_NOT_REFUNDABLE")
    assert body["details"]["superseded_by"] == second["licenses"][0]["id"]
    # latest first, then the earlier one
    assert client.post(f"/v1/orders/{second['id']}/refund", headers=admin).status_code == 200
    assert client.post(f"/v1/orders/{first['id']}/refund", headers=admin).status_code == 200
    assert validate(client, license_info(old))["code"] == "VALID"


def test_refund_of_unpaid_order_cancels_it(client: TestClient, admin: dict[str, str]) -> None:
    q = quote(client, kind="new", product="desktop", seats=4)
    o = order(client, q["id"], method="invoice")
    r = client.post(f"/v1/orders/{o['id']}/refund", headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "canceled"
    error(client.post(f"/v1/orders/{o['id']}/mark-paid", headers=admin), 409, "ORDER_NOT_PAYABLE")
    error(client.post(f"/v1/orders/{o['id']}/cancel", headers=admin), 409,
          "ORDER_NOT_REFUNDABLE")


def test_card_refund_goes_through_the_processor(ctx: Context, client: TestClient,
                                                admin: dict[str, str]) -> None:
    from licensor.orders.service import get_order

    done = buy(client, kind="new", product="desktop", seats=1)
    client.post(f"/v1/orders/{done['id']}/refund", headers=admin)
    with ctx.db.reader() as session:
        row = get_order(session, done["id"])
        assert row.charge_id and row.charge_id.startswith("ch_sandbox_")
        assert row.refund_id and row.refund_id.startswith("re_sandbox_")
