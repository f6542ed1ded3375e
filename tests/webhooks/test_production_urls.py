"""In production (sandbox off) webhooks go only to https:// URLs whose name resolves to public
addresses: refused when saving, and checked again against what the name resolves to when
sending (a name may point elsewhere by then)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from licensor.app import seed
from licensor.core.context import Context, build_context
from licensor.core.db import Database
from licensor.core.errors import LicensorError
from licensor.webhooks import delivery as webhook_delivery
from licensor.webhooks import rules
from licensor.webhooks import service as webhooks
from licensor.webhooks.repository import WebhookRepository
from tests.builders import create_license
from tests.conftest import empty_database, make_settings
from tests.webhooks.receiver import receiver


@pytest.fixture
def production(database: Database, tmp_path: Path) -> Iterator[Context]:
    empty_database(database)
    ctx = build_context(make_settings(tmp_path / "home", database.url, sandbox=False),
                        db=database)
    seed(ctx)
    yield ctx
    webhook_delivery.close(ctx)
    ctx.mailer.close()


def add(ctx: Context, url: str) -> str:
    with ctx.db.transaction() as session:
        row, _secret = webhooks.create_endpoint(ctx, session, url=url, events=["*"],
                                                description=None,
                                                now=ctx.clock.now(session), actor="test")
    return row.id


@pytest.mark.parametrize("url", ["http://example.com/hooks", "https://localhost/hooks",
                                 "https://127.0.0.1:8443/hooks", "https://10.1.2.3/hooks",
                                 "https://169.254.169.254/latest", "https://[::1]/hooks",
                                 "https://224.0.0.1/hooks", "https://user:pw@example.com/"])
def test_saving_a_private_or_plain_http_url_is_refused(production: Context, url: str) -> None:
    with pytest.raises(LicensorError) as refused:
        add(production, url)
    assert refused.value.code == "INVALID_URL" and refused.value.status == 422


def test_a_name_resolving_to_loopback_is_refused_when_sending(production: Context) -> None:
    with receiver() as hook:
        port = hook.url.split(":")[2].split("/")[0]
        # Saved while private addresses were allowed (say, a receiver moved since)...
        production.settings.webhooks_allow_private = True
        endpoint_id = add(production, f"https://localhost:{port}/hooks")
        production.settings.webhooks_allow_private = False
        create_license(production)
        webhook_delivery.deliver_all_due(production)
    assert hook.got == []  # ...nothing reaches it now
    with production.db.reader() as session:
        [next_try, first] = WebhookRepository(session).deliveries(endpoint_id, limit=10,
                                                                 after=None)
    assert first.status == "failed" and first.response_status is None
    assert first.error is not None and "127.0.0.1" in first.error and "refused" in first.error
    assert next_try.status == "pending" and next_try.attempt == 2


def test_allow_private_lets_a_vendor_reach_its_own_network(production: Context) -> None:
    production.settings.webhooks_allow_private = True
    assert add(production, "https://localhost:9/hooks").startswith("we_")


@pytest.mark.parametrize("url", [
    "https://[2002:7f00:1::]/hooks",  # 6to4 of 127.0.0.1
    "https://[2002:a00:1::]/hooks",  # 6to4 of 10.0.0.1
    "https://[2002:c0a8:101::1]/hooks",  # 6to4 of 192.168.1.1
    "https://[::ffff:127.0.0.1]/hooks",  # IPv4-mapped
    "https://[::ffff:a9fe:a9fe]/latest",  # IPv4-mapped 169.254.169.254
    "https://[::127.0.0.1]/hooks",  # IPv4-compatible
    "https://[64:ff9b::7f00:1]/hooks",  # NAT64 of 127.0.0.1
    "https://[64:ff9b:1::a00:1]/hooks",  # local-use NAT64
    "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hooks",  # Teredo, client 127.0.0.1
])
def test_ipv6_embedding_a_private_ipv4_address_is_refused(production: Context, url: str) -> None:
    with pytest.raises(LicensorError) as refused:
        add(production, url)
    assert refused.value.code == "INVALID_URL" and refused.value.status == 422
    assert refused.value.details["field"] == "url"


@pytest.mark.parametrize("address,refused", [
    ("2002:7f00:1::", True), ("2002:808:808::", False),  # 6to4: the embedded address decides
    ("::ffff:8.8.8.8", False), ("::ffff:10.0.0.1", True),
    ("2606:4700:4700::1111", False), ("8.8.8.8", False),
])
def test_the_embedded_address_gets_the_ipv4_rule(address: str, refused: bool) -> None:
    assert rules.address_refused(address) is refused
