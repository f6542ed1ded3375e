"""The portal's upgrade, step 2: "Show price" prices without storing anything, and the License
Key is verified once per submit (step 1's check serves the quote too)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from licensor.core.context import Context
from licensor.core.models import AuditRow
from licensor.licenses import service as licenses
from licensor.orders.models import QuoteRow
from tests.builders import create_license, license_info
from tests.portal.helpers import post


def counts(ctx: Context) -> tuple[int, int]:
    with ctx.db.reader() as s:
        return (s.scalar(select(func.count()).select_from(QuoteRow)) or 0,
                s.scalar(select(func.count()).select_from(AuditRow)) or 0)


def test_show_price_shows_the_quotes_price_and_stores_nothing(ctx: Context,
                                                              client: TestClient) -> None:
    info = license_info(create_license(ctx, seats=1))
    before = counts(ctx)
    page = post(client, "/upgrade", {"step": "seats", "seats": "5", "action": "price", **info})
    assert page.status_code == 200, page.text
    assert "$340.00" in page.text  # desktop 1 -> 5 users: 429.00 - 89.00
    assert counts(ctx) == before  # no quote row, no audit entry
    api = client.post("/v1/quotes", json={"kind": "upgrade", "seats": 5, **info}).json()
    assert api["total"] == {"amount": 34000, "currency": "USD"}  # the same price as stored


def test_continue_stores_the_quote_once(ctx: Context, client: TestClient) -> None:
    info = license_info(create_license(ctx, seats=1))
    quotes_before, _ = counts(ctx)
    page = post(client, "/upgrade", {"step": "seats", "seats": "5", "action": "continue", **info},
                follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/checkout/quo_")
    assert counts(ctx)[0] == quotes_before + 1


@pytest.mark.parametrize("action", ["price", "continue"])
def test_the_key_is_verified_once_per_submit(ctx: Context, client: TestClient,
                                             monkeypatch: pytest.MonkeyPatch,
                                             action: str) -> None:
    info = license_info(create_license(ctx, seats=1))
    calls: list[str] = []
    real = licenses.verify_signature

    def counted(*args: Any, **kw: Any) -> Any:
        calls.append(action)
        return real(*args, **kw)

    monkeypatch.setattr(licenses, "verify_signature", counted)
    page = post(client, "/upgrade", {"step": "seats", "seats": "5", "action": action, **info},
                follow_redirects=False)
    assert page.status_code in (200, 303), page.text
    assert len(calls) == 1
