"""The 500 and 403 pages for browsers, in Chromium, against the app served in this process
(so a dependency can be made to fail): a browser gets an HTML page with a way home, API
clients and anything under /v1 keep the JSON answer."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from licensor.app import create_app
from licensor.catalog import pages as catalog_pages
from licensor.core.context import Context
from tests.core.server import free_port
from tests.portal import test_browser
from tests.portal.test_look_browser import axe_source, serious_violations

pytestmark = test_browser.pytestmark
browser = test_browser.browser

HTML = {"Accept": "text/html,application/xhtml+xml"}


class CatalogDown(Exception):
    pass


@pytest.fixture
def failing(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app with its catalog failing (as a database gone away would), served by uvicorn in
    a thread; a route under /v1 fails the same way."""
    def down(*_args: Any, **_kw: Any) -> Any:
        raise CatalogDown("the catalog is unreachable")

    monkeypatch.setattr(catalog_pages.catalog, "list_products", down)
    app = create_app(ctx, run_prepare=False)
    app.add_api_route("/v1/failing", lambda: down(), include_in_schema=False)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off",
                                           log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_a_browser_gets_a_500_page_with_a_way_home(browser: Any, failing: str) -> None:
    context = browser.new_context(base_url=failing)
    try:
        page = context.new_page()
        answer = page.goto("/pricing")
        assert answer.status == 500
        assert answer.headers["content-type"].startswith("text/html")
        assert "Something went wrong on our side" in page.locator("main").inner_text()
        assert "nothing was changed" in page.locator("main").inner_text()
        assert page.get_by_role("link", name="Go to the home page").count() == 1
        assert "default-src 'self'" in answer.headers["content-security-policy"]
        assert "CatalogDown" not in page.content()  # no trace shown to customers
    finally:
        context.close()


def test_api_clients_keep_the_json_500(failing: str) -> None:
    plain = httpx.get(failing + "/pricing")  # no Accept: text/html
    assert plain.status_code == 500 and plain.json()["error"]["code"] == "INTERNAL"
    under_v1 = httpx.get(failing + "/v1/failing", headers=HTML)
    assert under_v1.status_code == 500 and under_v1.json()["error"]["code"] == "INTERNAL"


def test_a_refusal_for_who_is_asking_is_a_403_page(browser: Any, failing: str) -> None:
    context = browser.new_context(base_url=failing)
    try:
        page = context.new_page()
        page.goto("/lost-key")
        page.locator('input[name="csrf_token"]').evaluate("el => el.value = 'forged'")
        page.get_by_label("Email").fill("ana@acme.test")
        with page.expect_navigation() as nav:
            page.get_by_role("button", name="Send my License Information").click()
        assert nav.value.status == 403
        text = page.locator("main").inner_text()
        assert "You may not do this" in text and "CSRF_TOKEN_INVALID" in text
        assert page.get_by_role("link", name="Sign in").count() >= 1
    finally:
        context.close()


def test_the_500_page_names_the_brand_fits_a_phone_and_passes_axe(
        browser: Any, failing: str, ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ctx.settings, "brand_name", "Rocket Tools")
    context = browser.new_context(base_url=failing, viewport={"width": 375, "height": 800})
    try:
        page = context.new_page()
        assert page.goto("/pricing").status == 500
        assert "Rocket Tools" in page.locator("header").inner_text()
        assert ctx.settings.vendor_name not in page.content()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.set_viewport_size({"width": 1280, "height": 900})
        assert serious_violations(page, axe_source()) == []
    finally:
        context.close()
