"""The checkout in a real browser (Playwright driving Debian's Chromium) against a real server
whose vendor is an Italian seller registered for the EU: Country and VAT ID on step 3, the
order summary with its tax line before paying (updated when the country changes, and through
Show price), and the card charged the total with tax."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from licensor.app import seed
from licensor.core.context import build_context
from licensor.core.db import Database
from tests.conftest import ADMIN, empty_database, make_settings
from tests.core.server import Server
from tests.portal import test_browser
from tests.portal.test_browser import Api

pytestmark = test_browser.pytestmark
browser = test_browser.browser
TAXED = {"LICENSOR_VENDOR_COUNTRY": "IT", "LICENSOR_VENDOR_VAT_ID": "IT00743110157",
         "LICENSOR_TAX_REGISTRATIONS": "EU"}


@pytest.fixture(scope="module")
def server(database: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    empty_database(database)
    context = build_context(make_settings(tmp_path_factory.mktemp("tax-home"), database.url),
                            db=database)
    seed(context)
    srv = Server(context, tmp_path_factory.mktemp("tax-logs"), env=TAXED)
    srv.start()
    try:
        r = httpx.put(srv.base + "/v1/sandbox/clock", json={"now": test_browser.FROZEN},
                      headers=ADMIN)
        assert r.status_code == 200, r.text
        yield srv.base
    finally:
        srv.stop()
        context.mailer.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=server, viewport={"width": 375, "height": 740})
    yield context.new_page()
    context.close()


def summary(page: Any) -> str:
    return " ".join(page.locator("#order-summary tfoot").inner_text().split())


def test_the_tax_line_is_shown_before_paying_and_the_card_pays_it(page: Any,
                                                                   server: str) -> None:
    page.goto("/buy/desktop")
    page.get_by_label("Total users").fill("1")
    page.get_by_role("button", name="Continue").click()
    assert "VAT choose your country" in summary(page)
    page.get_by_label("Your name").fill("Ana Diaz")
    page.get_by_label("Email").fill("ana-tax@acme.test")
    # Choosing the country updates the summary (the page asks for the price again).
    with page.expect_navigation():
        page.get_by_label("Country").select_option("DE")
    assert summary(page) == "Subtotal $89.00 VAT 19% $16.91 Total $105.91"
    assert page.get_by_label("Your name").input_value() == "Ana Diaz"  # kept
    # Show price works too (as without JavaScript): a French business is reverse charged.
    page.get_by_label("Country").evaluate("(el) => { el.value = 'FR'; }")
    page.get_by_label("VAT ID").fill("FR40303265045")
    page.get_by_role("button", name="Show price").click()
    assert summary(page) == "Subtotal $89.00 Reverse charge $0.00 Total $89.00"
    assert "Article 196" in page.locator("main").inner_text()
    # Back to a consumer in Germany, and pay.
    page.get_by_label("VAT ID").fill("")
    with page.expect_navigation():
        page.get_by_label("Country").select_option("DE")
    assert summary(page).endswith("Total $105.91")
    page.get_by_role("button", name="Pay now").click()
    main = page.locator("main").inner_text()
    assert "Thank you" in main and "VAT 19%" in main
    order_id = re.search(r"/orders/([^?]+)\?", page.url).group(1)  # type: ignore[union-attr]
    api = Api(server)
    order = api.call("GET", f"/v1/orders/{order_id}")
    assert order["total"] == {"amount": 10591, "currency": "USD"}
    assert order["buyer"]["country"] == "DE"
    charge = next(c for c in api.call("GET", "/v1/sandbox/charges")["data"]
                  if c["metadata"].get("order_id") == order_id)
    assert charge["amount"]["amount"] == 10591


def test_a_wrong_vat_id_is_refused_next_to_its_field(page: Any) -> None:
    page.goto("/buy/desktop")
    page.get_by_label("Total users").fill("2")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Your name").fill("Bo")
    page.get_by_label("Email").fill("bo-tax@acme.test")
    page.get_by_label("Country").evaluate("(el) => { el.value = 'FR'; }")
    page.get_by_label("VAT ID").fill("FR40303265046")
    page.get_by_role("button", name="Pay now").click()
    assert "check digit" in test_browser.error_of(page, "vat_id")
    assert page.get_by_label("VAT ID").input_value() == "FR40303265046"
    page.get_by_label("Country").evaluate("(el) => { el.value = ''; }")
    page.get_by_label("VAT ID").fill("")
    page.get_by_role("button", name="Pay now").click()
    assert "country is required" in test_browser.error_of(page, "country")
