"""No request ever gets a 500 for bad input: a schemathesis-style pass over /openapi.json.

Every operation is called with hostile bodies (wrong types, huge numbers, long and odd strings,
each field of its schema broken in turn) and hostile path and query values, with an
administrator's token (so that every handler is reached). Any 5xx fails."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.contract.helpers import info, new_license

ODD: list[Any] = [None, True, -1, 2**63, 10**30, 1.5, "", "x" * 5000, "\u0000💥' OR 1=1 --",
                  [1, "a"], {"a": {}}, "2030-13-45T99:99:99Z"]
PATH_VALUES = ["lic_00000000000000000000000000000000", "%00", "a" * 300, "💥", "-1"]


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def valid_guess(spec: dict[str, Any], schema: dict[str, Any], lic: dict[str, Any],
                depth: int = 0) -> Any:
    schema = resolve(spec, schema)
    for alt in schema.get("anyOf", []):
        if alt.get("type") != "null":
            return valid_guess(spec, alt, lic, depth)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" and depth < 3:
        return {name: guess_field(spec, name, sub, lic, depth)
                for name, sub in schema.get("properties", {}).items()}
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    return "x"


def guess_field(spec: dict[str, Any], name: str, schema: dict[str, Any], lic: dict[str, Any],
                depth: int) -> Any:
    known = {**info(lic), "product": "desktop", "email": "a@b.test", "card_token": "tok_visa",
             "now": "2030-01-01T00:00:00Z", "released_at": "2030-01-01T00:00:00Z",
             "marketplace_email": "a@b.test", "sen": "SEN-L1", "user": "u"}
    if name in known:
        return known[name]
    return valid_guess(spec, schema, lic, depth + 1)


def bodies(spec: dict[str, Any], op: dict[str, Any], lic: dict[str, Any]) -> list[Any]:
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    out: list[Any] = [None, [], "text", 5, {"unexpected": ODD}]
    if not content:
        return out
    schema = resolve(spec, content["schema"])
    base = valid_guess(spec, schema, lic)
    if not isinstance(base, dict):
        return [*out, *ODD[:8]]
    out.append(base)
    for name in base:
        for value in ODD:
            out.append({**base, name: value})
    return out


@pytest.mark.slow
def test_no_operation_answers_500_to_bad_input(client: TestClient, admin: dict[str, str]
                                                ) -> None:
    lic = new_license(client, admin, seats=2)
    spec = client.get("/openapi.json").json()
    failures: list[str] = []
    calls = 0
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method not in ("get", "post", "put", "delete", "patch"):
                continue
            if path == "/v1/sandbox/clock" and method == "put":
                continue  # moving the clock is valid input; it would only slow the rest down
            params = re.findall(r"\{([^}]+)\}", path)
            real = {"license_id": lic["id"], "code": "desktop", "version": "3.9.9"}
            concrete = [path]
            if params:
                concrete = [_fill(path, params, real.get)]
                concrete += [_fill(path, params, lambda _p, v=v: v) for v in PATH_VALUES]
            queries: list[dict[str, Any]] = [
                {}, {"limit": -1, "cursor": "💥" * 100}, {"limit": 10**30},
                {"limit": "x", "email": "\u0000", "q": "%", "to": "x" * 5000},
                {"email": "a\u0000", "q": "\u0000%_", "to": "\u0000", "status": "\u0000",
                 "product": "\u0000"}]
            hostile = [(q, None) for q in queries] if method == "get" else [
                ({}, b) for b in bodies(spec, op, lic)]
            for n, where in enumerate(concrete):
                for query, body in (hostile if n == 0 else hostile[:6]):
                    r = client.request(method.upper(), where, params=query, json=body,
                                       headers=admin)
                    calls += 1
                    if r.status_code >= 500:
                        failures.append(f"{method.upper()} {where[:60]} {str(query)[:60]} "
                                        f"{str(body)[:100]} -> {r.status_code} {r.text[:100]}")
    assert calls > 500
    assert not failures, "\n".join(failures[:200])


def _fill(path: str, params: list[str], value: Any) -> str:
    for p in params:
        path = path.replace("{" + p + "}", value(p) or "x")
    return path
