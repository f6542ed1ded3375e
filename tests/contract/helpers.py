"""Black-box helpers: everything goes through the HTTP API exactly as a client uses it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.builders import info, outbox  # noqa: F401  (re-exported for this folder)

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)$")

LICENSE_FIELDS = {"id", "product", "seats", "license_name", "license_key", "email", "channel",
                  "sen", "status", "superseded_by", "maintenance_until", "major_version",
                  "purchased_at", "registrations"}
QUOTE_FIELDS = {"id", "kind", "product", "lines", "total", "currency", "expires_at",
                "license_id", "seats", "maintenance_until"}
ORDER_FIELDS = {"id", "number", "status", "kind", "total", "payment_method", "due_at",
                "created_at", "licenses"}
BUYER = {"name": "Jane Doe", "email": "jane@acme.test", "company": "Acme Inc"}


def err(r: Any) -> tuple[int, str]:
    """(status, error code), after checking the envelope {"error": {code, message, details}}."""
    body = r.json()
    assert set(body) == {"error"}, body
    e = body["error"]
    assert set(e) >= {"code", "message", "details"}, e
    assert re.fullmatch(r"[A-Z][A-Z0-9_]*", e["code"]), e
    assert isinstance(e["message"], str) and e["message"], e
    assert isinstance(e["details"], dict), e
    return r.status_code, e["code"]


def is_time(value: Any) -> bool:
    if not isinstance(value, str) or not RFC3339_UTC.match(value):
        return False
    return datetime.fromisoformat(value).utcoffset() == timedelta(0)


def is_money(value: Any, amount: int | None = None) -> bool:
    ok = (isinstance(value, dict) and set(value) >= {"amount", "currency"}
          and type(value["amount"]) is int and value["currency"] == "USD")
    return ok and (amount is None or value["amount"] == amount)


def assert_license(lic: dict[str, Any]) -> None:
    assert LICENSE_FIELDS <= set(lic), LICENSE_FIELDS - set(lic)
    assert lic["status"] in ("active", "superseded", "revoked")
    assert lic["channel"] in ("direct", "marketplace")
    assert isinstance(lic["id"], str) and isinstance(lic["license_key"], str)
    assert is_time(lic["purchased_at"])
    assert lic["maintenance_until"] is None or is_time(lic["maintenance_until"])
    assert isinstance(lic["registrations"], list)


def new_license(client: TestClient, admin: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"product": "desktop", "seats": 1, "license_name": "Acme Inc",
            "email": "buyer@acme.test", **fields}
    r = client.post("/v1/licenses", json=body, headers=admin)
    assert r.status_code == 201, r.text
    return r.json()


def quote(client: TestClient, **body: Any) -> Any:
    return client.post("/v1/quotes", json=body)


def buy(client: TestClient, quote_body: dict[str, Any], *, method: str = "card",
        buyer: dict[str, Any] | None = None, **order: Any) -> dict[str, Any]:
    """Quote, order and (for card) pay with tok_visa: the fulfilled order."""
    q = client.post("/v1/quotes", json=quote_body)
    assert q.status_code == 201, q.text
    o = client.post("/v1/orders", json={"quote_id": q.json()["id"], "buyer": buyer or BUYER,
                                        "payment_method": method, **order})
    assert o.status_code == 201, o.text
    if method != "card":
        return o.json()
    p = client.post(f"/v1/orders/{o.json()['id']}/pay", json={"card_token": "tok_visa"})
    assert p.status_code == 200, p.text
    return p.json()


def advance(client: TestClient, admin: dict[str, str], days: float) -> None:
    r = client.post("/v1/sandbox/clock/advance", json={"seconds": int(days * 86400)},
                    headers=admin)
    assert r.status_code == 200, r.text


