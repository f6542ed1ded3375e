"""/openapi.json tells the truth (typed answers, error codes, security, idempotency, limits,
examples), /docs works offline, and the same mistake gets the same answer everywhere."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from licensor.core.errors import STATUS_BY_CODE

ENVELOPE = "#/components/schemas/ErrorEnvelope"


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    return client.get("/openapi.json").json()


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, item in spec["paths"].items()
            for method, op in item.items()]


def error(r: Any) -> tuple[int, str]:
    return r.status_code, r.json()["error"]["code"]


# -- the document -----------------------------------------------------------------------------

def test_every_refusal_is_the_error_envelope_with_its_codes(spec: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert spec["components"]["schemas"]["ErrorEnvelope"]["required"] == ["error"]
    for method, path, op in operations(spec):
        refusals = {s: r for s, r in op["responses"].items() if s[0] in "45"}
        for status, response in refusals.items():
            media = response["content"]["application/json"]
            assert media["schema"] == {"$ref": ENVELOPE}, (method, path, status)
            codes = response["x-error-codes"]
            assert codes and all(STATUS_BY_CODE[c] == int(status) for c in codes), (path, status)
            assert response["description"] == "Codes: " + ", ".join(codes)
            assert media["example"]["error"]["code"] in codes
        if op.get("requestBody") or op.get("parameters") or method == "POST":
            assert "INVALID_REQUEST" in op["responses"]["422"]["x-error-codes"], (method, path)


def test_codes_raised_by_a_capability_are_listed_on_its_operations(spec: dict[str, Any]) -> None:
    quote = spec["paths"]["/v1/quotes"]["post"]["responses"]
    assert {"INVALID_SEATS", "INVALID_LICENSE", "IDEMPOTENCY_KEY_REUSED"} <= set(
        quote["422"]["x-error-codes"])
    assert "UPGRADE_NOT_LARGER" in quote["409"]["x-error-codes"]
    assert "RATE_LIMITED" in quote["429"]["x-error-codes"]
    pay = spec["paths"]["/v1/orders/{order_id}/pay"]["post"]["responses"]
    assert "CARD_DECLINED" in pay["402"]["x-error-codes"]
    assert "PAYLOAD_TOO_LARGE" in pay["413"]["x-error-codes"]


def test_every_answer_is_typed_and_has_an_example(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    for method, path, op in operations(spec):
        ok = {s: r for s, r in op["responses"].items() if s.startswith("2")}
        assert ok, (method, path)
        for response in (r for s, r in ok.items() if s != "204"):
            if _is_file(response):  # a release artifact's bytes
                continue
            media = response["content"]["application/json"]
            ref = media["schema"].get("$ref", "")
            assert ref.startswith("#/components/schemas/"), (method, path, media["schema"])
            assert schemas[ref.rsplit("/", 1)[1]]["properties"], (method, path)
            assert "example" in media, (method, path)
        body = op.get("requestBody")
        if body is not None and not _is_file(body):
            assert "example" in body["content"]["application/json"], (method, path)


def _is_file(part: dict[str, Any]) -> bool:
    """A request or answer that is a file's raw bytes (an artifact, a PDF), not JSON."""
    content = part.get("content", {})
    return len(content) == 1 and next(iter(content)) in ("application/octet-stream",
                                                         "application/pdf") and \
        next(iter(content.values()))["schema"]["format"] == "binary"


def test_security_schemes_name_admin_and_account_tokens(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert schemes["AdminToken"] == {**schemes["AdminToken"], "type": "http", "scheme": "bearer"}
    assert schemes["AccountToken"]["scheme"] == "bearer"
    paths = spec["paths"]
    assert paths["/v1/orders"]["get"]["security"] == [{"AdminToken": []}]
    assert paths["/v1/sites/{site_id}"]["get"]["security"] == [{"AccountToken": []}]
    assert "security" not in paths["/v1/licenses/validate"]["post"]
    for method, path, op in operations(spec):
        if op.get("security"):
            assert "UNAUTHENTICATED" in op["responses"]["401"]["x-error-codes"], (method, path)


def test_posts_document_the_idempotency_key(spec: dict[str, Any]) -> None:
    for method, path, op in operations(spec):
        names = [p["name"] for p in op.get("parameters", []) if p["in"] == "header"]
        assert ("Idempotency-Key" in names) == (method == "POST"), (method, path)


def test_every_limit_is_bounded(spec: dict[str, Any]) -> None:
    limits = [(path, p["schema"]) for _m, path, op in operations(spec)
              for p in op.get("parameters", []) if p["name"] == "limit"]
    assert len(limits) >= 10
    for path, schema in limits:
        bounded = schema.get("anyOf", [schema])[0]
        assert bounded["minimum"] == 1 and bounded["maximum"] in (500, 1000), path


def test_limit_out_of_bounds_is_refused(client: TestClient, admin: dict[str, str]) -> None:
    for url in ("/v1/products?limit=0", "/v1/orders?limit=501", "/v1/signing-keys?limit=1001"):
        r = client.get(url, headers=admin)
        assert error(r) == (422, "INVALID_REQUEST") and r.json()["error"]["details"]["field"] == \
            "limit", url


def test_docs_work_without_internet(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)["\']', page.text)
    assets += re.findall(r'url:\s*["\']([^"\']+)["\']', page.text)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        assert asset.startswith("/") and not asset.startswith("//"), asset
        assert client.get(asset).status_code == 200, asset
    assert "cdn" not in page.text.lower()
    redoc = client.get("/redoc")
    for asset in re.findall(r'src\s*=\s*["\']([^"\']+)["\']', redoc.text):
        assert asset.startswith("/") and client.get(asset).status_code == 200, asset


# -- the same mistake, the same answer --------------------------------------------------------

def test_seats_out_of_range_is_invalid_seats_everywhere(client: TestClient,
                                                       admin: dict[str, str]) -> None:
    for seats in (0, -3, 10**9):
        r = client.post("/v1/licenses", headers=admin, json={
            "product": "desktop", "seats": seats, "license_name": "Acme", "email": "a@acme.io"})
        assert error(r) == (422, "INVALID_SEATS"), seats
        assert r.json()["error"]["details"]["field"] == "seats"
        q = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": seats})
        assert error(q) == (422, "INVALID_SEATS"), seats
        assert r.json()["error"]["message"] == q.json()["error"]["message"]


def test_missing_and_unrecognised_tokens_are_told_apart(client: TestClient) -> None:
    for url in ("/v1/orders", "/v1/sites/site_1"):
        missing = client.get(url)
        wrong = client.get(url, headers={"Authorization": "Bearer not-a-token"})
        assert error(missing) == error(wrong) == (401, "UNAUTHENTICATED"), url
        assert missing.json()["error"]["details"]["reason"] == "missing"
        assert wrong.json()["error"]["details"]["reason"] == "unrecognised"
        assert "not recognised" in wrong.json()["error"]["message"]
        assert "needs" in missing.json()["error"]["message"]


def test_a_method_a_fixed_path_does_not_take_is_405_naming_those_it_does(
        client: TestClient) -> None:
    for url in ("/v1/licenses/validate", "/v1/licenses/lost-key",
                "/v1/registrations/unregister", "/v1/updates/check"):
        r = client.get(url)
        assert error(r) == (405, "METHOD_NOT_ALLOWED"), url
        assert r.headers["allow"] == "POST"
        assert "POST" in r.json()["error"]["message"]
        assert r.json()["error"]["details"]["allowed"] == ["POST"]
    r = client.delete("/v1/products")
    assert error(r) == (405, "METHOD_NOT_ALLOWED") and r.headers["allow"] == "GET"


def test_a_body_that_is_not_sent_as_json_is_told_so(client: TestClient) -> None:
    body = b'{"license_name": "Acme", "license_key": "x"}'
    for headers in ({"Content-Type": "text/plain"}, {"Content-Type": ""},
                    {"Content-Type": "application/x-www-form-urlencoded"}):
        for url in ("/v1/licenses/validate", "/v1/quotes"):
            r = client.post(url, content=body, headers=headers)
            assert error(r) == (422, "INVALID_REQUEST"), (url, headers)
            assert "Content-Type: application/json" in r.json()["error"]["message"]


def call_pattern(method: str, path: str) -> re.Pattern[str]:
    """`METHOD /path` as a message would name it, any value in place of a {parameter}."""
    parts = [r"[^\s/]+" if part.startswith("{") else re.escape(part) for part in path.split("/")]
    return re.compile(re.escape(method) + " " + "/".join(parts) + r"(?![\w/-])")


def test_customer_answers_never_point_at_admin_only_calls(client: TestClient,
                                                         spec: dict[str, Any]) -> None:
    admin_only = [call_pattern(method, path) for method, path, op in operations(spec)
                  if op.get("security") == [{"AdminToken": []}]]
    answers = [
        client.post("/v1/orders/ord_missing/pay", json={"card_token": "tok_visa"}),
        client.post("/v1/orders", json={"quote_id": "quo_missing", "payment_method": "card",
                                        "buyer": {"name": "A", "email": "a@acme.io"}}),
        client.get("/v1/quotes/quo_missing"),
        client.post("/v1/quotes", json={"kind": "renewal", "license_name": "A",
                                        "license_key": "nope"}),
        client.get("/v1/products/nope"),
        client.get("/v1/orders"),
    ]
    for r in answers:
        message = r.json()["error"]["message"]
        assert not [call.pattern for call in admin_only if call.search(message)], message
    assert "POST /v1/orders" in answers[0].json()["error"]["message"]


@pytest.mark.parametrize("length", [4097, 100_000])
def test_a_key_that_is_not_a_key_is_malformed_whatever_its_length(client: TestClient,
                                                                  length: int) -> None:
    r = client.post("/v1/licenses/validate", json={"license_name": "Acme",
                                                   "license_key": "x" * length})
    assert r.status_code == 200
    assert (r.json()["valid"], r.json()["code"]) == (False, "MALFORMED")
    # The regular route (an Idempotency-Key bypasses the hot path) answers the same.
    r = client.post("/v1/licenses/validate", headers={"Idempotency-Key": f"long-{length}"},
                    json={"license_name": "Acme", "license_key": "y" * length})
    assert (r.status_code, r.json()["code"]) == (200, "MALFORMED")


def test_only_a_body_over_the_size_limit_is_refused(client: TestClient, ctx: Any) -> None:
    key = "x" * (ctx.settings.max_body_bytes + 1)
    r = client.post("/v1/licenses/validate", json={"license_name": "Acme", "license_key": key})
    assert error(r) == (413, "PAYLOAD_TOO_LARGE")


def test_sandbox_clock_takes_only_times_and_whole_seconds(client: TestClient,
                                                         admin: dict[str, str]) -> None:
    for now in (0, 1768469400, 1.5, True):
        r = client.put("/v1/sandbox/clock", json={"now": now}, headers=admin)
        assert error(r) == (422, "INVALID_REQUEST"), now
        assert r.json()["error"]["details"]["field"] == "now"
    for seconds in (True, "60", 1.5):
        r = client.post("/v1/sandbox/clock/advance", json={"seconds": seconds}, headers=admin)
        assert error(r) == (422, "INVALID_REQUEST"), seconds
        assert r.json()["error"]["details"]["field"] == "seconds"
    r = client.put("/v1/sandbox/clock", json={"now": "2030-01-01T00:00:00Z"}, headers=admin)
    assert r.status_code == 200 and r.json() == {"now": "2030-01-01T00:00:00Z"}
    r = client.post("/v1/sandbox/clock/advance", json={"seconds": 60}, headers=admin)
    assert r.status_code == 200 and r.json()["now"] == "2030-01-01T00:01:00Z"
