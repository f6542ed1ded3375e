"""The dashboard draws its charts from known data: figures and bars checked, not presence."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from licensor.core.formats import money
from licensor.staff import rules
from tests.conftest import ADMIN
from tests.orders.helpers import buy, order, quote
from tests.staff.helpers import log_in


def _clock(client: TestClient, now: str) -> None:
    assert client.put("/v1/sandbox/clock", json={"now": now}, headers=ADMIN).status_code == 200


def _row(html: str, table: str, month: str) -> list[str]:
    body = html[html.index(f'id="{table}"'):]
    found = re.search(rf'<tr data-month="{month}">(.*?)</tr>', body, re.DOTALL)
    assert found, month
    return [re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.DOTALL)]


def test_the_dashboard_shows_revenue_licenses_and_open_invoices(client: TestClient) -> None:
    log_in(client, "support")
    _clock(client, "2025-05-20T10:00:00Z")  # more than 12 months before: not shown
    buy(client, kind="new", product="desktop", seats=1)
    _clock(client, "2026-01-15T10:00:00Z")
    first = buy(client, kind="new", product="desktop", seats=1)
    _clock(client, "2026-03-10T10:00:00Z")
    lic = first["licenses"][0]
    up = buy(client, kind="upgrade", seats=5, license_name=lic["license_name"],
             license_key=lic["license_key"])
    second = buy(client, kind="new", product="desktop", seats=2)
    unpaid = order(client, quote(client, kind="new", product="desktop", seats=4)["id"],
                   method="invoice")
    _clock(client, "2026-06-01T10:00:00Z")
    html = client.get("/admin").text

    jan = _row(html, "revenue-USD", "2026-01")
    assert jan[0] == money(first["total"]) and jan[1] == "$0.00" and jan[-1] == jan[0]
    mar = _row(html, "revenue-USD", "2026-03")
    assert mar[0] == money(second["total"]) and mar[1] == money(up["total"])
    assert 'id="revenue-USD"' in html and "<th scope=\"row\">2025-06</th>" not in html
    assert _row(html, "licenses-per-month", "2026-01") == ["1", "0"]
    assert _row(html, "licenses-per-month", "2026-03") == ["1", "1"]
    # the bars carry the same figures
    assert f'data-month="2026-03" data-series="upgrade" data-value="{up["total"]["amount"]}"' \
        in html
    assert 'data-month="2026-03" data-series="upgrades" data-value="1"' in html
    tile = re.sub(r"<[^>]+>", "", html[html.index('id="open-invoices"'):].split("</li>")[0])
    assert "1 open invoices" in " ".join(tile.split())
    assert money(unpaid["total"]) in tile
    assert re.search(r'id="pending-migrations".*?<strong>0</strong>', html, re.DOTALL)


def test_the_dashboard_needs_a_login(client: TestClient) -> None:
    assert client.get("/admin", follow_redirects=False).status_code == 303


def test_months_and_monthly_recurring_revenue() -> None:
    now = datetime(2026, 1, 31, 23, 0, tzinfo=UTC)
    assert rules.months_back(now) == [f"2025-{m:02d}" for m in range(2, 13)] + ["2026-01"]
    assert rules.monthly_amount(10_800, "year") == 900
    assert rules.monthly_amount(1_000, "year") == 83  # 83.33 rounded half up
    assert rules.monthly_amount(1_006, "year") == 84  # 83.83
    assert rules.monthly_amount(900, "month") == 900
