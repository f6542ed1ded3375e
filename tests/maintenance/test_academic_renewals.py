"""An academic license renews at the renewal ratio of its academic tier price, and stays
academic."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.maintenance.test_renewals import (
    BUYER,
    error,
    info,
    issue,
    outbox,
    renew,
    renewal_quote,
    set_clock,
)

UNI = "Universidad de Chile"


def test_academic_renewal_of_25_editors_is_150(client: TestClient, admin: dict) -> None:
    set_clock(client, admin, "2026-01-10T12:00:00Z")
    lic = issue(client, admin, academic=True, institution=UNI)
    assert lic["academic"] is True and lic["institution"] == UNI
    set_clock(client, admin, "2026-11-01T00:00:00Z")
    q = renewal_quote(client, lic)
    assert q["total"] == {"amount": 15000, "currency": "USD"}  # 300.00 × 50%
    assert "academic" in q["lines"][0]["description"]
    done = renew(client, lic)
    [renewed] = done["licenses"]
    assert done["total"]["amount"] == 15000 and renewed["id"] == lic["id"]
    assert renewed["academic"] is True and renewed["institution"] == UNI
    assert renewed["maintenance_until"] == "2028-01-10T12:00:00Z"
    [mail] = outbox(client, admin, BUYER["email"])
    assert renewed["license_key"] in mail["body"] and UNI in mail["body"]
    # the next renewal is academic too
    assert renewal_quote(client, renewed)["total"]["amount"] == 15000


def test_a_commercial_renewal_stays_commercial(client: TestClient, admin: dict) -> None:
    lic = issue(client, admin)
    q = renewal_quote(client, lic)
    assert q["total"]["amount"] == 30000 and "academic" not in q["lines"][0]["description"]
    error(client.post("/v1/quotes", json={"kind": "renewal", "academic": True, **info(lic)}),
          409, "ACADEMIC_NOT_AVAILABLE")
    academic = issue(client, admin, academic=True, institution=UNI, license_name="Campus")
    body = error(client.post("/v1/quotes", json={"kind": "renewal", "academic": False,
                                                 **info(academic)}), 422, "INVALID_REQUEST")
    assert body["details"]["field"] == "academic"
