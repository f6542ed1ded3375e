"""Steps shared by the tax tests: an Italian seller registered for the EU One-Stop Shop, and a
purchase through the HTTP API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from licensor.core.context import Context


def italian_seller(ctx: Context, mode: str = "exclusive") -> None:
    ctx.settings.vendor_country = "IT"
    ctx.settings.vendor_vat_id = "IT00743110157"
    ctx.settings.tax_registrations = "EU"
    ctx.settings.tax_mode = mode  # type: ignore[assignment]


def buyer(country: str | None = None, vat_id: str | None = None,
          email: str = "ana@acme.test") -> dict[str, Any]:
    found: dict[str, Any] = {"name": "Ana Buyer", "email": email, "company": "Acme"}
    if country:
        found["country"] = country
    if vat_id:
        found["vat_id"] = vat_id
    return found


def ordered(client: TestClient, seats: int = 1, **buyer_fields: Any) -> dict[str, Any]:
    q = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": seats})
    assert q.status_code == 201, q.text
    r = client.post("/v1/orders", json={"quote_id": q.json()["id"], "payment_method": "card",
                                        "buyer": buyer(**buyer_fields)})
    assert r.status_code == 201, r.text
    return r.json()


def paid(client: TestClient, seats: int = 1, **buyer_fields: Any) -> dict[str, Any]:
    order = ordered(client, seats, **buyer_fields)
    r = client.post(f"/v1/orders/{order['id']}/pay", json={"card_token": "tok_visa"})
    assert r.status_code == 200, r.text
    return r.json()


def charges(client: TestClient, admin: dict[str, str]) -> list[dict[str, Any]]:
    r = client.get("/v1/sandbox/charges", params={"limit": 100}, headers=admin)
    assert r.status_code == 200, r.text
    return list(r.json()["data"])


def amount(money: dict[str, Any]) -> int:
    return int(money["amount"])
