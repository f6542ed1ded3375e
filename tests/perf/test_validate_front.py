"""The validate hot path stands in front of the application's middleware stack: it makes the
body-limit and rate-limit checks itself, counts a validation once even when it hands it on,
and hands on whatever it cannot answer (licenses/hot_path.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from licensor.app import create_app
from licensor.core.context import Context, build_context
from licensor.licenses import validation
from tests.builders import create_license, license_info
from tests.conftest import make_settings

URL = "/v1/licenses/validate"
MakeClient = Callable[..., TestClient]


@pytest.fixture
def make_client(ctx: Context) -> Iterator[MakeClient]:
    opened: list[TestClient] = []

    def make(**settings: Any) -> TestClient:
        own = build_context(make_settings(ctx.settings.home, ctx.db.url, **settings),
                            db=ctx.db)
        client = TestClient(create_app(own, run_prepare=False), client=("203.0.113.7", 4000),
                            raise_server_exceptions=False)
        opened.append(client.__enter__())
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.mark.parametrize("headers", [{"Content-Type": "application/json"},
                                     {"Content-Type": "application/json",
                                      "Idempotency-Key": "k-1"},
                                     {"Content-Type": "text/plain"}])
def test_a_validation_handed_to_the_route_is_counted_once(make_client: MakeClient,
                                                          headers: dict[str, str]) -> None:
    client = make_client(rate_limits="validate=3/minute")
    body = json.dumps({"license_name": "x"})  # refused by the route, after the hot path
    for i in range(3):
        answer = client.post(URL, content=body, headers={**headers, "Idempotency-Key": f"{i}"}
                             if "Idempotency-Key" in headers else headers)
        assert answer.status_code == 422, answer.text
    assert client.post(URL, content=body, headers=headers).status_code == 429


def test_an_oversized_validation_is_refused_before_it_is_counted(ctx: Context,
                                                                 make_client: MakeClient) -> None:
    client = make_client(rate_limits="validate=3/minute", max_body_bytes=600)
    big = json.dumps({"license_name": "x" * 700, "license_key": "K"})
    for _ in range(3):
        assert client.post(URL, content=big, headers={"Content-Type": "application/json"}
                           ).json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    info = license_info(create_license(ctx))
    assert [client.post(URL, json=info).json()["code"] for _ in range(3)] == ["VALID"] * 3
    assert client.post(URL, json=info).status_code == 429


def test_a_validation_that_fails_on_the_hot_path_is_answered_by_the_route(
        ctx: Context, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch) -> None:
    info = license_info(create_license(ctx))
    client = make_client()

    def broken(*_: Any) -> tuple[bytes, str]:
        raise RuntimeError("the hot path's connection broke")

    monkeypatch.setattr(validation, "validate_signed", broken)
    answer = client.post(URL, json=info)
    assert answer.status_code == 200 and answer.json()["code"] == "VALID"
    assert answer.headers["licensor-signature"].startswith("v1,")
