"""Two `licensor serve` hosts of one installation: separate data directories (as two machines
have), one database (PostgreSQL when the suite runs on it; on SQLite both share the file), one
Redis, the same key-encryption key, and a round-robin proxy in front."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from licensor.core.context import Context
from tests.core.server import Server
from tests.core.smtp_servers import Recorder, SmtpServer
from tests.hosts.proxy import RoundRobinProxy

REDIS_URL = os.environ.get("LICENSOR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# High enough never to refuse this test, low enough to be counted in Redis by both hosts.
LIMITS = ",".join(f"{name}=1000000/minute" for name in (
    "validate", "updates", "registrations", "quotes", "orders", "sessions", "accounts"))


@dataclass
class Cluster:
    a: Server
    b: Server
    smtp: Recorder
    redis_prefix: str

    @property
    def backends(self) -> list[str]:
        return [self.a.base, self.b.base]

    def proxy(self, mode: str = "alternate") -> RoundRobinProxy:
        return RoundRobinProxy(self.backends, mode)


def host(ctx: Context, tmp_path: Path, name: str, env: dict[str, str]) -> Server:
    home = tmp_path / name
    logs = tmp_path / f"{name}-logs"
    logs.mkdir()
    return Server(ctx, logs, env={"LICENSOR_HOME": str(home), **env})


@pytest.fixture
def cluster(ctx: Context, tmp_path: Path) -> Iterator[Cluster]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({exc}): start it with "
                    "`redis-server --daemonize yes` or set LICENSOR_TEST_REDIS_URL.")
    prefix = f"licensor-hosts-{uuid.uuid4().hex}"
    recorder = Recorder()
    smtp = SmtpServer(recorder).start()
    # The installation's KEK (the one `ctx` sealed the first signing key with), given to each
    # host as an operator would: by environment, nothing copied between data directories.
    env = {"LICENSOR_SECRET_KEY": ctx.secrets.sealer.key_text(), "LICENSOR_REDIS_URL": REDIS_URL,
           "LICENSOR_RATE_LIMIT_PREFIX": prefix, "LICENSOR_RATE_LIMITS": LIMITS,
           "LICENSOR_SMTP_URL": smtp.url, "LICENSOR_JOBS_INTERVAL": "2",
           "LICENSOR_PUBLIC_URL": "http://127.0.0.1"}
    a, b = host(ctx, tmp_path, "host-a", env), host(ctx, tmp_path, "host-b", env)
    try:
        a.start()
        b.start()
        yield Cluster(a, b, recorder, prefix)
    finally:
        for server in (a, b):
            server.stop()
        smtp.stop()
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
        client.close()
