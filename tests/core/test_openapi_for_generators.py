"""/openapi.json is usable by a client generator: every operation has a short, stable camelCase
id of its own (never FastAPI's `create_quote_v1_quotes_post`) and a tag, and every request body
is typed (properties, or a oneOf with a discriminator)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from licensor.app import routers

CAMEL = re.compile(r"[a-z]+(?:[A-Z][a-z0-9]+)*")


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    return client.get("/openapi.json").json()


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, item in spec["paths"].items()
            for method, op in item.items()]


def test_every_operation_has_a_short_camel_case_id_and_a_tag(spec: dict[str, Any]) -> None:
    ids = [op["operationId"] for _m, _p, op in operations(spec)]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for method, path, op in operations(spec):
        assert CAMEL.fullmatch(op["operationId"]), (method, path, op["operationId"])
        assert len(op["operationId"]) <= 40 and "_v1_" not in op["operationId"], (method, path)
        assert op.get("tags"), (method, path)


def test_every_route_names_its_operation_id_explicitly() -> None:
    unnamed = [(sorted(r.methods), r.path) for router in routers(True) for r in router.routes
               if isinstance(r, APIRoute) and r.include_in_schema and not r.operation_id]
    assert not unnamed


def test_the_ids_integrators_call_most_stay_as_published(spec: dict[str, Any]) -> None:
    ids = {(method, path): op["operationId"] for method, path, op in operations(spec)}
    assert ids[("POST", "/v1/licenses")] == "createLicense"
    assert ids[("POST", "/v1/licenses/validate")] == "validateLicense"
    assert ids[("POST", "/v1/quotes")] == "createQuote"
    assert ids[("POST", "/v1/orders")] == "createOrder"
    assert ids[("GET", "/v1/orders/{order_id}")] == "getOrder"
    assert ids[("POST", "/v1/orders/{order_id}/pay")] == "payOrder"


def _typed(schema: dict[str, Any], components: dict[str, Any]) -> bool:
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    if schema.get("format") == "binary":  # a file's bytes (a release artifact)
        return True
    if "oneOf" in schema:
        return bool(schema.get("discriminator")) and all(
            _typed(option, components) for option in schema["oneOf"])
    return bool(schema.get("properties"))


def test_every_request_body_is_typed(spec: dict[str, Any]) -> None:
    components = spec["components"]["schemas"]
    untyped = [(method, path) for method, path, op in operations(spec)
               for media in op.get("requestBody", {}).get("content", {}).values()
               if not _typed(media["schema"], components)]
    assert not untyped


def test_a_quote_request_is_one_of_its_kinds_by_kind(spec: dict[str, Any]) -> None:
    body = spec["paths"]["/v1/quotes"]["post"]["requestBody"]["content"]["application/json"]
    schema = spec["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]
    assert schema["discriminator"]["propertyName"] == "kind"
    assert {"new", "upgrade", "renewal"} <= set(schema["discriminator"]["mapping"])
    new = spec["components"]["schemas"][
        schema["discriminator"]["mapping"]["new"].rsplit("/", 1)[1]]
    assert {"product", "seats", "coupon", "customer", "companion"} <= set(new["properties"])
    # The caller's token is taken from the Authorization header, never sent in the body.
    assert "bearer" not in spec["components"]["schemas"]["CompanionBody"]["properties"]
    assert body["example"]["kind"] == "new"


def test_an_optional_body_is_published_as_its_model(spec: dict[str, Any]) -> None:
    body = spec["paths"]["/v1/orders/{order_id}/refund"]["post"]["requestBody"]
    assert body.get("required", False) is False
    assert body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RefundBody"}
