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
