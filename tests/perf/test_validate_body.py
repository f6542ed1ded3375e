"""The hot path reads a validate body without the request model (hot_path.accepted): it takes
only what `LicenseInformation` accepts, with the model's values, and hands anything else to
the route, so every answer is the route's."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from licensor.core.context import Context
from licensor.licenses.endpoints import LicenseInformation
from licensor.licenses.hot_path import accepted
from tests.builders import create_license, license_info

URL = "/v1/licenses/validate"
REGULAR = {"Content-Type": "application/vnd.licensor+json"}  # the route reads it, as JSON

odd_text = st.one_of(
    st.text(max_size=8), st.text(min_size=60, max_size=70), st.just("x" * 1000),
    st.just("x" * 1001), st.just("n" * 128), st.just("n" * 129), st.just("Zoë & Søn"),
    st.just("\ud800"), st.just("a\udfffb"))
odd_value = st.one_of(odd_text, st.none(), st.integers(), st.floats(allow_nan=False),
                      st.booleans(), st.lists(st.integers(), max_size=2),
                      st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
members = st.sampled_from(["license_name", "license_key", "product", "nonce", "extra"])
body_objects = st.one_of(
    st.dictionaries(members, odd_value), odd_value,
    st.fixed_dictionaries({"license_name": odd_text, "license_key": odd_text},
                          optional={"product": st.one_of(st.none(), odd_text),
                                    "nonce": st.one_of(st.none(), odd_text),
                                    "extra": odd_value}))


def encoded(value: Any, ascii_only: bool) -> bytes:
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def model_reading(body: bytes) -> tuple[str, str, str | None, str | None] | None:
    try:
        info = LicenseInformation.model_validate(json.loads(body))
    except (ValueError, ValidationError):
        return None
    return info.license_name, info.license_key, info.product, info.nonce


@settings(max_examples=400, deadline=None)
@given(value=body_objects, ascii_only=st.booleans())
@example(value={"license_name": "\ud800", "license_key": "K"}, ascii_only=True)
@example(value={"license_name": "x", "license_key": "K", "product": None, "nonce": None,
                "extra": [1]}, ascii_only=True)
@example(value={"license_name": "x" * 1001, "license_key": "K"}, ascii_only=False)
def test_what_the_hot_path_reads_the_model_reads_alike(value: Any, ascii_only: bool) -> None:
    body = encoded(value, ascii_only)
    fields = accepted(body)
    expected = model_reading(body)
    if fields is not None:  # never accepted where the model refuses, never read otherwise
        assert fields == expected
    elif expected is not None:  # handed to the route although the model takes it: only this
        assert b"\\u" in body or not body.isascii() or not isinstance(json.loads(body), dict)


def test_duplicate_members_and_odd_json_read_as_the_model_reads_them() -> None:
    for body in (b'{"license_name":"a","license_name":"b","license_key":"K"}',
                 b'{"license_name":"a","license_key":"K","product":NaN}',
                 b'{"license_name":"a","license_key":"K"} ', b'\xef\xbb\xbf{"a":1}',
                 b'{"license_name":"a","license_key":"K","nonce":"\\u00e9"}',
                 b'{"license_name":"a","license_key":"K"}{}', b"[" * 100_000):
        fields = accepted(body)
        assert fields is None or fields == model_reading(body)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=body_objects, ascii_only=st.booleans(), real_key=st.booleans())
def test_the_hot_path_and_the_route_answer_odd_bodies_alike(
        ctx: Context, client: TestClient, value: Any, ascii_only: bool, real_key: bool) -> None:
    if real_key and isinstance(value, dict):  # reach the verdicts too, not only the refusals
        value = {**value, **license_info(_license(ctx))}
    body = encoded(value, ascii_only)
    hot = client.post(URL, content=body, headers={"Content-Type": "application/json"})
    regular = client.post(URL, content=body, headers=REGULAR)
    assert hot.status_code == regular.status_code
    hot_answer, regular_answer = hot.json(), regular.json()
    if hot.status_code == 200:  # each answer carries the second it was signed in
        assert hot_answer.pop("issued_at") and regular_answer.pop("issued_at")
        assert hot.headers["licensor-signature"].startswith("v1,")
    assert hot_answer == regular_answer


_licenses: dict[int, Any] = {}


def _license(ctx: Context) -> Any:
    """One license per test context (Hypothesis runs the examples in one test)."""
    if id(ctx) not in _licenses:
        _licenses.clear()
        _licenses[id(ctx)] = create_license(ctx, license_name="Zoë & Søn Ltd")
    return _licenses[id(ctx)]
