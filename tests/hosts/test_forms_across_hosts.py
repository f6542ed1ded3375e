"""Portal and console forms drawn by one host and posted to the other: the proxy sends every
read (GET) to host A and every write (POST) to host B, so each form's CSRF token, cookie and
signed values were made by the host that did not check them. Plain HTTP first, then the portal
upgrade flow and a console login in Chromium."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ADMIN
from tests.hosts.conftest import Cluster
from tests.portal.helpers import CSRF

PASSWORD = "correct horse battery"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]


def token_of(page: httpx.Response) -> str:
    assert page.status_code == 200, page.text
    found = CSRF.search(page.text)
    assert found, "the page has no CSRF field"
    return found.group(1)


def staff(http: httpx.Client) -> str:
    email = f"admin-{uuid.uuid4().hex[:8]}@vendor.test"
    r = http.post("/v1/staff", json={"email": email, "password": PASSWORD, "role": "admin"},
                  headers=ADMIN)
    assert r.status_code == 201, r.text
    return email


@pytest.mark.server
def test_a_form_drawn_by_one_host_is_accepted_by_the_other(cluster: Cluster) -> None:
    with cluster.proxy("split") as proxy, httpx.Client(base_url=proxy.base, timeout=30) as http:
        lic = http.post("/v1/licenses", headers=ADMIN, json={
            "product": "desktop", "seats": 1, "license_name": "Acme Inc",
            "email": "it@acme.test"}).json()
        form = http.get("/upgrade")
        assert form.headers["X-Served-By"] == cluster.a.base
        answer = http.post("/upgrade", data={
            "csrf_token": token_of(form), "license_name": "Acme Inc",
            "license_key": lic["license_key"]})
        assert answer.headers["X-Served-By"] == cluster.b.base
        assert answer.status_code == 200, answer.text
        assert "CSRF_TOKEN_INVALID" not in answer.text and "1 user" in answer.text

        email = staff(http)
        login = http.post("/admin/login", data={
            "csrf_token": token_of(http.get("/admin/login")), "email": email,
            "password": PASSWORD}, follow_redirects=False)
        assert (login.status_code, login.headers["X-Served-By"]) == (303, cluster.b.base)
        console = http.get("/admin/licenses")  # host A reads host B's session cookie
        assert console.status_code == 200 and email in console.text
        assert {b for b, _, _ in proxy.posts} == {cluster.b.base}
        assert not [p for p in proxy.posts if p[2] == 403], proxy.posts


@pytest.mark.browser
@pytest.mark.server
@pytest.mark.skipif(not Path(CHROMIUM).exists(),
                    reason="Chromium is not installed (apt-get install chromium)")
def test_upgrade_and_console_login_in_a_browser_across_hosts(cluster: Cluster) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    with cluster.proxy("split") as proxy, httpx.Client(base_url=proxy.base, timeout=30) as http, \
            sync_api.sync_playwright() as p:
        lic = http.post("/v1/licenses", headers=ADMIN, json={
            "product": "desktop", "seats": 1, "license_name": "Acme Inc",
            "email": "it@acme.test"}).json()
        email = staff(http)
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_context(base_url=proxy.base).new_page()
            upgrade(page, lic)
            page.goto("/admin/licenses")  # sent to the login page, and back after it
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url("**/admin/licenses")
            assert email in page.locator("body").inner_text()
        finally:
            browser.close()
    posts = proxy.posts
    assert len(posts) >= 4 and {b for b, _, _ in posts} == {cluster.b.base}, posts
    assert not [post for post in posts if post[2] >= 400], posts


def upgrade(page: Any, lic: dict[str, Any]) -> None:
    page.goto("/upgrade")
    page.get_by_label("License Name").fill("Acme Inc")
    page.get_by_label("License Key").fill(lic["license_key"])
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Total users").fill("5")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Your name").fill("Ana Diaz")
    page.get_by_label("Email").fill("ana@acme.test")
    page.get_by_role("button", name="Pay now").click()
    assert "Thank you" in page.locator("main").inner_text()
