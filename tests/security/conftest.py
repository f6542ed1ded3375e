"""Fixtures for the abuse tests: apps with rate limits on, real Redis."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from licensor.app import create_app
from licensor.core.context import Context, build_context
from licensor.core.db import Database
from tests.conftest import make_settings

REDIS_URL = os.environ.get("LICENSOR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The real Redis (.ci/run starts one); fails, not skips, when it is not there."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({exc}): start it with "
                    "`redis-server --daemonize yes` or set LICENSOR_TEST_REDIS_URL.")
    yield REDIS_URL
    client.close()


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test alone, so parallel runs on one Redis never share counts."""
    prefix = f"licensor-test-{uuid.uuid4().hex}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()


MakeClient = Callable[..., TestClient]


@pytest.fixture
def make_client(ctx: Context, database: Database, tmp_path: Path) -> Iterator[MakeClient]:
    """A TestClient on an app of its own (a worker) with these settings over the test's DB."""
    opened: list[TestClient] = []

    def make(*, peer: tuple[str, int] = ("203.0.113.7", 40000), **settings: Any) -> TestClient:
        own = build_context(make_settings(ctx.settings.home, database.url, **settings),
                            db=database)
        client = TestClient(create_app(own, run_prepare=False), client=peer,
                            raise_server_exceptions=False)
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)
