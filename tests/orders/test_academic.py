"""Academic pricing: server tiers at their academic price, an academic license, its upgrades."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from licensor.core.context import Context
from licensor.licenses.models import LicenseRow
from tests.builders import create_license, info, license_info
from tests.orders.helpers import BUYER, buy, error, quote

UNI = "Università di Bologna"


def academic(seats: int = 25, product: str = "confluence-server", **extra: Any) -> dict[str, Any]:
    return {"kind": "new", "product": product, "seats": seats, "academic": True,
            "institution": UNI, **extra}


def test_academic_25_editor_tier_is_300(client: TestClient) -> None:
    q = quote(client, **academic())
    assert q["total"] == {"amount": 30000, "currency": "USD"}
    [line] = q["lines"]
    assert "academic" in line["description"] and UNI in line["description"]
    # the same tier, commercial: 600.00
    assert quote(client, kind="new", product="confluence-server", seats=25)["total"][
        "amount"] == 60000
    assert quote(client, **academic(10, "jira-server"))["total"]["amount"] == 15000


def test_the_license_sold_is_academic_with_its_institution(
        client: TestClient, admin: dict[str, str]) -> None:
    done = buy(client, **academic())
    assert done["status"] == "fulfilled" and done["total"]["amount"] == 30000
    [lic] = done["licenses"]
    assert lic["academic"] is True and lic["institution"] == UNI and lic["seats"] == 25
    got = client.get(f"/v1/licenses/{lic['id']}", headers=admin).json()
    assert got["academic"] is True and got["institution"] == UNI
    mails = client.get("/v1/sandbox/outbox", params={"to": BUYER["email"]},
                       headers=admin).json()["data"]
    assert any(lic["license_key"] in m["body"] and f"Academic:      {UNI}" in m["body"]
               for m in mails)
    # a commercial purchase is not academic
    [plain] = buy(client, kind="new", product="desktop", seats=1)["licenses"]
    assert plain["academic"] is False and plain["institution"] is None


def test_upgrade_25_to_50_at_academic_prices_stays_academic(client: TestClient) -> None:
    [lic] = buy(client, **academic())["licenses"]
    q = quote(client, kind="upgrade", seats=50, **info(lic))
    assert q["total"] == {"amount": 20000, "currency": "USD"}  # 500.00 - 300.00
    assert "academic" in q["lines"][0]["description"]
    done = buy(client, kind="upgrade", seats=50, **info(lic))
    [new] = done["licenses"]
    assert new["seats"] == 50 and new["supersedes"] == lic["id"]
    assert new["academic"] is True and new["institution"] == UNI
    # and its own upgrade is academic too: 100 editors 900.00 - 500.00
    assert quote(client, kind="upgrade", seats=100, **info(new))["total"]["amount"] == 40000


def test_a_commercial_upgrade_is_not_academic(ctx: Context, client: TestClient) -> None:
    lic = create_license(ctx, product="confluence-server", seats=25)
    q = quote(client, kind="upgrade", seats=50, **license_info(lic))
    assert q["total"]["amount"] == 40000 and "academic" not in q["lines"][0]["description"]
    [new] = buy(client, kind="upgrade", seats=50, **license_info(lic))["licenses"]
    assert new["academic"] is False and new["institution"] is None


def test_products_without_academic_prices_refuse_it(client: TestClient) -> None:
    for product, seats in (("desktop", 3), ("mybalsamiq", 3), ("google-drive", 1),
                           ("confluence-cloud", 10)):
        body = error(client.post("/v1/quotes", json=academic(seats, product)),
                     409, "ACADEMIC_NOT_AVAILABLE")
        assert "list price" in body["message"] and body["details"]["product"] == product


def test_academic_needs_an_institution(client: TestClient) -> None:
    for institution in (None, "", "   "):
        body = error(client.post("/v1/quotes", json={**academic(), "institution": institution}),
                     422, "INVALID_REQUEST")
        assert body["details"]["field"] == "institution"
    body = error(client.post("/v1/quotes", json={k: v for k, v in academic().items()
                                                 if k != "institution"}),
                 422, "INVALID_REQUEST")
    assert body["details"]["field"] == "institution"
    body = error(client.post("/v1/quotes", json={**academic(), "institution": "U" * 201}),
                 422, "INVALID_REQUEST")
    assert body["details"]["field"] == "institution"
    assert quote(client, **{**academic(), "institution": "U" * 200})["total"]["amount"] == 30000
    # an institution without academic: true is a mistake worth telling
    body = error(client.post("/v1/quotes", json={**academic(), "academic": False}),
                 422, "INVALID_REQUEST")
    assert body["details"]["field"] == "institution" and "academic: true" in body["message"]


def test_the_license_decides_academic_on_upgrades(ctx: Context, client: TestClient) -> None:
    commercial = create_license(ctx, product="confluence-server", seats=25)
    error(client.post("/v1/quotes", json={"kind": "upgrade", "seats": 50, "academic": True,
                                          **license_info(commercial)}),
          409, "ACADEMIC_NOT_AVAILABLE")
    [lic] = buy(client, **academic())["licenses"]
    body = error(client.post("/v1/quotes", json={"kind": "upgrade", "seats": 50,
                                                 "academic": False, **info(lic)}),
                 422, "INVALID_REQUEST")
    assert body["details"]["field"] == "academic"
    # agreeing with the license is fine
    assert quote(client, kind="upgrade", seats=50, academic=True, **info(lic))["total"][
        "amount"] == 20000


def test_academic_license_when_the_catalog_drops_academic_prices(
        client: TestClient, admin: dict[str, str]) -> None:
    [lic] = buy(client, **academic())["licenses"]
    product = client.get("/v1/products/confluence-server").json()
    for tier in product["pricing"]["tiers"]:
        tier.pop("academic_price")
    r = client.put("/v1/products/confluence-server", json=product, headers=admin)
    assert r.status_code == 200, r.text
    body = error(client.post("/v1/quotes", json={"kind": "upgrade", "seats": 50, **info(lic)}),
                 409, "ACADEMIC_NOT_AVAILABLE")
    assert "contact the vendor" in body["message"]
    error(client.post("/v1/quotes", json=academic()), 409, "ACADEMIC_NOT_AVAILABLE")


def test_admin_issues_an_academic_license(ctx: Context, client: TestClient,
                                         admin: dict[str, str]) -> None:
    base = {"product": "jira-server", "seats": 10, "license_name": "Campus IT",
            "email": "it@uni.test"}
    r = client.post("/v1/licenses", json={**base, "academic": True, "institution": UNI},
                    headers=admin)
    assert r.status_code == 201, r.text
    assert r.json()["academic"] is True and r.json()["institution"] == UNI
    with ctx.db.reader() as session:
        row = session.get(LicenseRow, r.json()["id"])
        assert row is not None and row.academic and row.institution == UNI
    error(client.post("/v1/licenses", json={**base, "academic": True}, headers=admin),
          422, "INVALID_REQUEST")
    error(client.post("/v1/licenses", json={**base, "product": "desktop", "academic": True,
                                            "institution": UNI}, headers=admin),
          409, "ACADEMIC_NOT_AVAILABLE")
    plain = client.post("/v1/licenses", json=base, headers=admin).json()
    assert plain["academic"] is False and plain["institution"] is None
