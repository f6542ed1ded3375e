from __future__ import annotations

from fastapi.testclient import TestClient


def test_list_and_get_products(client: TestClient) -> None:
    products = {p["code"]: p for p in client.get("/v1/products").json()["data"]}
    assert set(products) >= {"desktop", "confluence-server", "jira-server", "mybalsamiq",
                             "google-drive", "confluence-cloud", "jira-cloud"}
    desktop = client.get("/v1/products/desktop").json()
    assert desktop["pricing"]["bands"][0] == {"min_seats": 1,
                                              "unit_price": {"amount": 8900, "currency": "USD"}}
    assert desktop["model"] == "perpetual" and desktop["maintenance_months"] is None
    drive = products["google-drive"]
    assert drive["single_user"] is True and drive["plans"][0]["yearly_price"]["amount"] == 5000
    r = client.get("/v1/products/nope")
    assert r.status_code == 404 and r.json()["error"]["code"] == "UNKNOWN_PRODUCT"


def test_admin_creates_and_replaces_a_product(client: TestClient, admin) -> None:
    doc = client.get("/v1/products/desktop").json()
    doc.update(code="editor", name="Editor Pro")
    assert client.put("/v1/products/editor", json=doc).status_code == 401
    r = client.put("/v1/products/editor", json=doc, headers=admin)
    assert r.status_code == 200 and r.json()["name"] == "Editor Pro"
    doc["pricing"]["bands"][0]["unit_price"]["amount"] = 9900
    client.put("/v1/products/editor", json=doc, headers=admin)
    assert client.get("/v1/products/editor").json()["pricing"]["bands"][0]["unit_price"][
        "amount"] == 9900


def test_invalid_catalog_entry_names_the_problem(client: TestClient, admin) -> None:
    doc = client.get("/v1/products/desktop").json()
    doc["pricing"]["bands"][2]["unit_price"]["amount"] = 100
    r = client.put("/v1/products/desktop", json=doc, headers=admin)
    assert r.status_code == 422 and r.json()["error"]["code"] == "INVALID_CATALOG"
    assert r.json()["error"]["details"]["band"] == 2
    assert client.get("/v1/products/desktop").json()["pricing"]["bands"][2]["unit_price"][
        "amount"] == 8000  # unchanged
    r = client.put("/v1/products/desktop", json={**doc, "code": "other"}, headers=admin)
    assert r.json()["error"]["code"] == "INVALID_CATALOG"
    r = client.put("/v1/products/desktop", content=b"[]", headers={
        **admin, "Content-Type": "application/json"})
    assert r.status_code == 422
