from fastapi.testclient import TestClient

from tests.builders import create_license, license_info


def test_health_and_catalog(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    codes = [p["code"] for p in client.get("/v1/products").json()["data"]]
    assert "desktop" in codes and "mybalsamiq" in codes


def test_issue_validate_register(client: TestClient, ctx, admin) -> None:
    row = create_license(ctx, seats=1)
    info = license_info(row)
    assert client.post("/v1/licenses/validate", json=info).json()["code"] == "VALID"
    assert client.post("/v1/registrations", json={**info, "user": "ann"}).status_code == 201
    r = client.post("/v1/registrations", json={**info, "user": "bob"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "SEATS_EXHAUSTED"
