"""Shared steps of the order tests: quote, order, pay through the HTTP API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

BUYER = {"name": "Jane Buyer", "email": "jane@acme.test", "company": "Acme Inc"}


def quote(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/quotes", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def order(client: TestClient, quote_id: str, method: str = "card",
          **extra: Any) -> dict[str, Any]:
    response = client.post("/v1/orders", json={"quote_id": quote_id, "buyer": BUYER,
                                               "payment_method": method, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def pay(client: TestClient, order_id: str, token: str = "tok_visa") -> dict[str, Any]:
    response = client.post(f"/v1/orders/{order_id}/pay", json={"card_token": token})
    assert response.status_code == 200, response.text
    return response.json()


def buy(client: TestClient, **quote_body: Any) -> dict[str, Any]:
    """Quote, order and pay by card; the fulfilled order."""
    q = quote(client, **quote_body)
    return pay(client, order(client, q["id"])["id"])


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["code"] == code, body
    assert body["message"]
    return body
