"""Renewal quotes and orders through the HTTP API: price, dates (early, late, leap years),
the re-issued License Key, refusals, staleness and refunds."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi.testclient import TestClient

from licensor.core import audit
from licensor.core.context import Context
from licensor.licenses.models import LicenseRow
from tests import builders
from tests.builders import info, outbox, set_clock

BUYER = {"name": "Jane Buyer", "email": "jane@acme.test", "company": "Acme Inc"}
HOLDER = "it@acme.test"

# POST /v1/licenses with this file's defaults
issue = partial(builders.issue, product="confluence-server", seats=25, email=HOLDER)


def renewal_quote(client: TestClient, lic: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/v1/quotes", json={"kind": "renewal", **info(lic)})
    assert r.status_code == 201, r.text
    return r.json()


def renew(client: TestClient, lic: dict[str, Any], buyer: dict | None = None) -> dict[str, Any]:
    """Quote, order and pay a renewal by card; the fulfilled order."""
    q = renewal_quote(client, lic)
    r = client.post("/v1/orders", json={"quote_id": q["id"], "buyer": buyer or BUYER,
                                        "payment_method": "card"})
    assert r.status_code == 201, r.text
    r = client.post(f"/v1/orders/{r.json()['id']}/pay", json={"card_token": "tok_visa"})
    assert r.status_code == 200, r.text
    return r.json()


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["code"] == code and body["message"], body
    return body


def validate(client: TestClient, lic: dict[str, Any]) -> dict[str, Any]:
    return client.post("/v1/licenses/validate", json=info(lic)).json()


def test_renewal_quote(client: TestClient, admin: dict) -> None:
    set_clock(client, admin, "2026-01-10T12:00:00Z")
    lic = issue(client, admin)
    set_clock(client, admin, "2026-11-01T00:00:00Z")
    q = renewal_quote(client, lic)
    assert q["kind"] == "renewal" and q["product"] == "confluence-server"
    assert q["total"] == {"amount": 30000, "currency": "USD"}  # 600.00 × 50%
    assert q["maintenance_until"] == "2028-01-10T12:00:00Z"
    assert q["license_id"] == lic["id"] and q["seats"] == 25
    assert "until January 10, 2028" in q["lines"][0]["description"]
    assert q["expires_at"] == "2026-12-31T00:00:00Z"


def test_early_renewal_reissues_the_key_of_the_same_license(ctx: Context, client: TestClient,
                                                             admin: dict) -> None:
    set_clock(client, admin, "2026-01-10T12:00:00Z")
    lic = issue(client, admin)
    assert client.post("/v1/registrations", json={**info(lic), "user": "ann"}).status_code == 201
    set_clock(client, admin, "2026-11-01T00:00:00Z")
    done = renew(client, lic)
    [renewed] = done["licenses"]
    assert done["status"] == "fulfilled" and done["kind"] == "renewal"
    assert renewed["id"] == lic["id"] and renewed["status"] == "active"
    assert renewed["maintenance_until"] == "2028-01-10T12:00:00Z"  # early: no time lost
    assert renewed["license_key"] != lic["license_key"]
    assert [r["user"] for r in renewed["registrations"]] == ["ann"]
    new_verdict, old_verdict = validate(client, renewed), validate(client, lic)
    assert new_verdict["code"] == "VALID"
    assert new_verdict["license"]["maintenance_until"] == "2028-01-10T12:00:00Z"
    assert (old_verdict["valid"], old_verdict["code"]) == (True, "SUPERSEDED")
    # The previous key no longer registers anyone; its registered user keeps working.
    error(client.post("/v1/registrations", json={**info(lic), "user": "bob"}), 409,
          "LICENSE_SUPERSEDED")
    [mail] = outbox(client, admin, BUYER["email"])
    assert renewed["license_key"] in mail["body"] and "January 10, 2028" in mail["body"]
    [holder_mail] = outbox(client, admin, HOLDER)  # the license's contact is told too
    assert renewed["license_key"] in holder_mail["body"]
    with ctx.db.reader() as session:
        assert session.get(LicenseRow, lic["id"]).version == 2
        actions = [e.action for e in audit.entries_for(session, lic["id"])]
    assert actions[0] == "license.issued" and actions[-1] == "license.maintenance_renewed"


def test_late_renewal_adds_the_block_from_the_previous_end(client: TestClient,
                                                           admin: dict) -> None:
    set_clock(client, admin, "2026-01-10T12:00:00Z")
    lic = issue(client, admin)
    set_clock(client, admin, "2027-06-01T00:00:00Z")  # lapsed since January
    [renewed] = renew(client, lic)["licenses"]
    assert renewed["maintenance_until"] == "2028-01-10T12:00:00Z"  # not 2028-06-01


def test_a_renewal_long_after_the_lapse_still_covers_only_the_next_block(
        client: TestClient, admin: dict) -> None:
    set_clock(client, admin, "2026-01-10T12:00:00Z")
    lic = issue(client, admin)
    set_clock(client, admin, "2029-05-01T00:00:00Z")
    q = renewal_quote(client, lic)
    assert q["maintenance_until"] == "2028-01-10T12:00:00Z"  # already past: one block only


def test_renewals_of_a_leap_day_license_keep_the_anchor_day(client: TestClient,
                                                            admin: dict) -> None:
    set_clock(client, admin, "2024-02-29T09:30:00Z")
    lic = issue(client, admin, seats=10)
    assert lic["maintenance_until"] == "2025-02-28T09:30:00Z"
    ends = []
    for _ in range(3):
        set_clock(client, admin, "2024-03-01T00:00:00Z")
        [lic] = renew(client, lic)["licenses"]
        ends.append(lic["maintenance_until"])
    assert ends == ["2026-02-28T09:30:00Z", "2027-02-28T09:30:00Z", "2028-02-29T09:30:00Z"]


def test_upgrade_after_a_lapse_restarts_twelve_months_from_the_upgrade(client: TestClient,
                                                                       admin: dict) -> None:
    set_clock(client, admin, "2025-01-31T10:00:00Z")
    lic = issue(client, admin, seats=10)
    set_clock(client, admin, "2028-02-29T15:00:00Z")  # lapsed for two years; a leap day
    r = client.post("/v1/quotes", json={"kind": "upgrade", "seats": 25, **info(lic)})
    assert r.status_code == 201, r.text
    assert r.json()["maintenance_until"] == "2029-02-28T15:00:00Z"
    o = client.post("/v1/orders", json={"quote_id": r.json()["id"], "buyer": BUYER,
                                        "payment_method": "card"}).json()
    [upgraded] = client.post(f"/v1/orders/{o['id']}/pay",
                             json={"card_token": "tok_visa"}).json()["licenses"]
    assert upgraded["maintenance_until"] == "2029-02-28T15:00:00Z"  # the old period is gone
    ends = []
    for _ in range(4):
        [upgraded] = renew(client, upgraded)["licenses"]
        ends.append(upgraded["maintenance_until"])
    # Renewals are anchored on the upgrade date, so the leap day comes back in 2032.
    assert ends == ["2030-02-28T15:00:00Z", "2031-02-28T15:00:00Z", "2032-02-29T15:00:00Z",
                    "2033-02-28T15:00:00Z"]


def test_renewal_price_rounds_half_to_even(client: TestClient, admin: dict) -> None:
    product = client.get("/v1/products/jira-server").json()
    product["pricing"]["tiers"][0]["price"]["amount"] = 33333  # × 0.5 = 16666.5 → 16666
    product["pricing"]["tiers"][1]["price"]["amount"] = 33335  # × 0.5 = 16667.5 → 16668
    assert client.put("/v1/products/jira-server", json=product, headers=admin).status_code == 200
    small = issue(client, admin, product="jira-server", seats=10)
    larger = issue(client, admin, product="jira-server", seats=25)
    assert renewal_quote(client, small)["total"]["amount"] == 16666
    assert renewal_quote(client, larger)["total"]["amount"] == 16668


def test_renewal_refusals(client: TestClient, admin: dict) -> None:
    desktop = issue(client, admin, product="desktop", seats=3)
    error(client.post("/v1/quotes", json={"kind": "renewal", **info(desktop)}), 409,
          "NO_MAINTENANCE")
    market = issue(client, admin, channel="marketplace", sen="SEN-100200")
    body = error(client.post("/v1/quotes", json={"kind": "renewal", **info(market)}), 409,
                 "UPGRADE_VIA_MARKETPLACE")
    url = client.get("/v1/products/confluence-server").json()["marketplace_url"]
    assert body["details"]["url"] == url and url
    lic = issue(client, admin)
    bad = {**info(lic), "license_name": "Other Corp"}
    body = error(client.post("/v1/quotes", json={"kind": "renewal", **bad}), 422,
                 "INVALID_LICENSE")
    assert body["details"]["code"] == "NAME_MISMATCH"
    error(client.post("/v1/quotes", json={"kind": "renewal", "license_name": "Acme Inc"}), 422,
          "INVALID_REQUEST")
    renew(client, lic)
    body = error(client.post("/v1/quotes", json={"kind": "renewal", **info(lic)}), 409,
                 "LICENSE_SUPERSEDED")
    assert body["details"]["superseded_by"] == lic["id"]
    revoked = issue(client, admin, product="jira-server")
    client.post(f"/v1/licenses/{revoked['id']}/revoke", json={"reason": "x"}, headers=admin)
    error(client.post("/v1/quotes", json={"kind": "renewal", **info(revoked)}), 409,
          "LICENSE_REVOKED")


def test_a_quote_made_before_another_renewal_is_stale(client: TestClient, admin: dict) -> None:
    lic = issue(client, admin)
    first = renewal_quote(client, lic)
    o = client.post("/v1/orders", json={"quote_id": first["id"], "buyer": BUYER,
                                        "payment_method": "card"}).json()
    [renewed] = renew(client, lic)["licenses"]
    error(client.post(f"/v1/orders/{o['id']}/pay", json={"card_token": "tok_visa"}), 409,
          "QUOTE_STALE")
    assert validate(client, renewed)["license"]["maintenance_until"] == \
        renewed["maintenance_until"]


def test_refunding_a_renewal_gives_the_block_back(ctx: Context, client: TestClient,
                                                  admin: dict) -> None:
    set_clock(client, admin, "2024-02-29T09:30:00Z")
    lic = issue(client, admin, seats=10, email=BUYER["email"])
    set_clock(client, admin, "2024-03-10T00:00:00Z")
    first = renew(client, lic)
    second = renew(client, first["licenses"][0])
    assert second["licenses"][0]["maintenance_until"] == "2027-02-28T09:30:00Z"
    r = client.post(f"/v1/orders/{second['id']}/refund", json={}, headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "refunded", r.text
    [after] = r.json()["licenses"]
    assert after["maintenance_until"] == "2026-02-28T09:30:00Z"
    assert validate(client, after)["code"] == "VALID"
    assert validate(client, second["licenses"][0])["code"] == "SUPERSEDED"
    [notice] = [m for m in outbox(client, admin, BUYER["email"]) if "refunded" in m["subject"]]
    assert after["license_key"] in notice["body"] and "February 28, 2026" in notice["body"]
    r = client.post(f"/v1/orders/{first['id']}/refund", json={}, headers=admin)
    assert r.json()["licenses"][0]["maintenance_until"] == "2025-02-28T09:30:00Z"
    with ctx.db.reader() as session:
        actions = [e.action for e in audit.entries_for(session, lic["id"])]
    assert actions.count("license.maintenance_renewal_refunded") == 2


def test_a_license_from_before_its_product_had_maintenance_can_be_renewed(
        client: TestClient, admin: dict) -> None:
    set_clock(client, admin, "2026-01-10T12:00:00Z")
    lic = issue(client, admin, product="desktop", seats=3)
    assert lic["maintenance_until"] is None
    product = client.get("/v1/products/desktop").json()
    product.update(maintenance_months=12, renewal_price_ratio="0.5")
    assert client.put("/v1/products/desktop", json=product, headers=admin).status_code == 200
    q = renewal_quote(client, lic)
    assert q["total"]["amount"] == 13350  # 3 × 89.00 × 50%
    # Its implicit first period ran 12 months from purchase; the renewal adds the next block.
    assert q["maintenance_until"] == "2028-01-10T12:00:00Z"
    [renewed] = renew(client, lic)["licenses"]
    assert renewed["maintenance_until"] == "2028-01-10T12:00:00Z"
