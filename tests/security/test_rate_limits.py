"""Rate limits: each trips at its number and recovers after its window, in memory and in Redis."""

from __future__ import annotations

import time

import httpx
import pytest
from fastapi.testclient import TestClient

from licensor.app import create_app
from licensor.core.context import Context, build_context
from licensor.core.db import Database
from licensor.core.rate_limits import DEFAULTS, RateLimitConfigError, parse_setting
from tests.builders import create_license, license_info
from tests.conftest import make_settings
from tests.security.conftest import MakeClient

# One request per limit; the body need not be valid: the limit counts before anything else.
REQUESTS: dict[str, tuple[str, dict[str, object]]] = {
    "validate": ("/v1/licenses/validate", {"license_name": "x", "license_key": "y"}),
    "updates": ("/v1/updates/check", {}),
    "registrations": ("/v1/registrations", {}),
    "quotes": ("/v1/quotes", {}),
    "orders": ("/v1/orders", {}),
    "sessions": ("/v1/sessions", {"email": "a@b.test", "password": "x"}),
    "accounts": ("/v1/accounts", {}),
    "lost_key": ("/v1/licenses/lost-key", {"email": "nobody@example.test"}),
}
# Small windows keep the test fast; two seconds leave room for four requests on a slow machine
# (and trips() tells a window that ran out between them from a limit not kept).
WINDOW = 2
EVERY_LIMIT_3_PER_2_SECONDS = ",".join(f"{name}=3/{WINDOW}seconds" for name in DEFAULTS)


def assert_limited(response: httpx.Response, name: str) -> int:
    assert response.status_code == 429, (name, response.status_code, response.text)
    error = response.json()["error"]
    assert error["code"] == "RATE_LIMITED"
    assert error["details"]["limit"] == name and error["details"]["allowed"] == 3
    assert "wait" in error["message"] and "try again" in error["message"]
    retry_after = int(response.headers["retry-after"])
    assert retry_after == error["details"]["retry_after"] and 1 <= retry_after <= 2
    return retry_after


def trips(client: TestClient, name: str) -> int:
    """3 requests pass and the 4th is refused; returns its Retry-After. A window opens at its
    first request: on a machine so busy that the four took longer than WINDOW, it ran out
    between them and proves nothing, so once the window the late ones opened has run out
    too, the four go again (a 4th let through sooner than WINDOW after the 1st fails)."""
    path, body = REQUESTS[name]
    for _ in range(3):
        started = time.monotonic()
        for _ in range(3):
            assert client.post(path, json=body).status_code != 429, name
        fourth = client.post(path, json=body)
        if fourth.status_code == 429 or time.monotonic() - started < WINDOW:
            return assert_limited(fourth, name)
        time.sleep(WINDOW)
    raise AssertionError(f"{name}: four requests never went in {WINDOW} s on this machine")


def trips_and_recovers(client: TestClient) -> None:
    """Every limit lets 3 through, refuses the 4th with Retry-After, then recovers."""
    waits = [trips(client, name) for name in REQUESTS]
    time.sleep(max(waits) + 0.05)
    for name, (path, body) in REQUESTS.items():
        assert client.post(path, json=body).status_code != 429, name


def test_the_defaults() -> None:
    items = parse_setting("")
    assert items is not None
    assert {n: str(i) for n, i in items.items()} == {
        "validate": "1200 per 1 minute", "updates": "600 per 1 minute",
        "registrations": "120 per 1 minute", "quotes": "60 per 1 minute",
        "orders": "60 per 1 minute", "sessions": "30 per 1 minute",
        "accounts": "30 per 1 minute", "lost_key": "10 per 1 hour"}
    assert parse_setting("off") is None
    overridden = parse_setting("validate=600/minute, lost-key=5/hour")
    assert overridden is not None
    assert str(overridden["validate"]) == "600 per 1 minute"
    assert str(overridden["lost_key"]) == "5 per 1 hour"
    assert str(overridden["updates"]) == "600 per 1 minute"


@pytest.mark.parametrize("setting", ["validate", "nonsense=3/second", "validate=often"])
def test_a_setting_that_cannot_be_read_stops_the_start(ctx: Context, database: Database,
                                                      setting: str) -> None:
    settings = make_settings(ctx.settings.home, database.url, rate_limits=setting)
    with pytest.raises(RateLimitConfigError, match="LICENSOR_RATE_LIMITS"):
        create_app(build_context(settings, db=database), run_prepare=False)


def test_every_limit_trips_and_recovers_in_memory(make_client: MakeClient) -> None:
    trips_and_recovers(make_client(rate_limits=EVERY_LIMIT_3_PER_2_SECONDS))


def test_every_limit_trips_and_recovers_in_redis(make_client: MakeClient, redis_url: str,
                                                 redis_prefix: str) -> None:
    trips_and_recovers(make_client(rate_limits=EVERY_LIMIT_3_PER_2_SECONDS, redis_url=redis_url,
                                   rate_limit_prefix=redis_prefix))


def test_workers_share_the_counts_through_redis(make_client: MakeClient, redis_url: str,
                                                redis_prefix: str) -> None:
    settings = {"rate_limits": "sessions=3/minute", "redis_url": redis_url,
                "rate_limit_prefix": redis_prefix}
    one, two = make_client(**settings), make_client(**settings)
    path, body = REQUESTS["sessions"]
    assert one.post(path, json=body).status_code == 401
    assert two.post(path, json=body).status_code == 401
    assert one.post(path, json=body).status_code == 401
    refused = two.post(path, json=body)
    assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 60


def test_in_memory_each_worker_counts_alone(make_client: MakeClient) -> None:
    one, two = make_client(rate_limits="sessions=3/minute"), \
        make_client(rate_limits="sessions=3/minute")
    path, body = REQUESTS["sessions"]
    for _ in range(3):
        assert one.post(path, json=body).status_code == 401
    assert one.post(path, json=body).status_code == 429
    assert two.post(path, json=body).status_code == 401


def test_the_validate_hot_path_is_limited(ctx: Context, make_client: MakeClient) -> None:
    info = license_info(create_license(ctx))
    client = make_client(rate_limits="validate=3/minute")
    for _ in range(3):
        assert client.post("/v1/licenses/validate", json=info).json()["code"] == "VALID"
    assert client.post("/v1/licenses/validate", json=info).status_code == 429


def test_paying_an_order_counts_as_an_order(make_client: MakeClient) -> None:
    client = make_client(rate_limits="orders=3/minute")
    for _ in range(3):
        assert client.post("/v1/orders/nope/pay", json={}).status_code != 429
    assert client.post("/v1/orders", json={}).status_code == 429


def test_off_turns_them_off(make_client: MakeClient) -> None:
    client = make_client(rate_limits="off")
    path, body = REQUESTS["accounts"]
    assert all(client.post(path, json=body).status_code == 422 for _ in range(40))


def test_other_routes_are_not_counted(make_client: MakeClient) -> None:
    client = make_client(rate_limits="validate=3/minute")
    assert all(client.get("/v1/products").status_code == 200 for _ in range(10))


def test_each_address_has_its_own_count(make_client: MakeClient) -> None:
    path, body = REQUESTS["sessions"]
    first = make_client(rate_limits="sessions=3/minute", peer=("198.51.100.1", 1))
    for _ in range(3):
        first.post(path, json=body)
    assert first.post(path, json=body).status_code == 429
    # The same app, another address.
    first_app = first.app
    other = TestClient(first_app, client=("198.51.100.2", 1))
    assert other.post(path, json=body).status_code == 401


def test_forwarded_for_counts_only_from_a_trusted_proxy(make_client: MakeClient) -> None:
    path, body = REQUESTS["sessions"]
    proxy = make_client(rate_limits="sessions=3/minute", trusted_proxies="10.0.0.0/8",
                        peer=("10.0.0.5", 1))
    # Behind the proxy, two customers: the header's last untrusted hop is the client. What
    # the client wrote to the left of it (a forged address) changes nothing.
    for forged in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
        proxy.post(path, json=body, headers={"X-Forwarded-For": f"{forged}, 192.0.2.1"})
    assert proxy.post(path, json=body,
                      headers={"X-Forwarded-For": "9.9.9.9, 192.0.2.1"}).status_code == 429
    assert proxy.post(path, json=body,
                      headers={"X-Forwarded-For": "192.0.2.2, 10.0.0.9"}).status_code == 401
    # A client that is not a trusted proxy cannot pick its own address with the header.
    direct = TestClient(proxy.app, client=("192.0.2.50", 1))
    for n in range(3):
        direct.post(path, json=body, headers={"X-Forwarded-For": f"5.5.5.{n}"})
    assert direct.post(path, json=body,
                       headers={"X-Forwarded-For": "6.6.6.6"}).status_code == 429


def test_downloads_and_license_files_count_as_update_checks(make_client: MakeClient) -> None:
    client = make_client(rate_limits="updates=3/minute")
    for path in ("/v1/updates/check", "/v1/downloads", "/v1/licenses/checkout"):
        assert client.post(path, json={}).status_code != 429, path
    for path in ("/v1/downloads", "/v1/licenses/checkout"):
        refused = client.post(path, json={})
        assert refused.status_code == 429 and refused.json()["error"]["details"]["limit"] == \
            "updates", path
