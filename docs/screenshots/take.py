"""Renew the README's screenshots of the portal and the console: a fresh Licensor (sandbox,
SQLite in a temporary home, the clock frozen) served on a free port, Chromium (Debian's, through
Playwright) at 1280 and 375 px over the main pages.

    .venv/bin/python docs/screenshots/take.py            # writes docs/screenshots/*.png

Nothing here is a test: the browser tests (tests/portal/test_look_browser.py) check the pages;
this only pictures them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, sync_playwright

HERE = Path(__file__).resolve().parent
ADMIN = "screenshots-admin-token"
FROZEN = "2027-03-04T12:00:00Z"
STAFF_PASSWORD = "correct horse battery"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WIDE, PHONE = 1280, 375


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(home: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LICENSOR_HOME": str(home), "LICENSOR_SANDBOX": "1",
           "LICENSOR_ADMIN_TOKEN": ADMIN, "LICENSOR_JOBS_INTERVAL": "0",
           "LICENSOR_RATE_LIMITS": "off", "LICENSOR_PASSWORD_HASH_COST": "minimum",
           "LICENSOR_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    licensor = Path(sys.executable).parent / "licensor"
    server = subprocess.Popen([str(licensor), "serve", "--port", str(port), "--no-access-log"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.terminate()
    sys.exit("the server did not start")


class Api:
    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=30)

    def call(self, method: str, path: str, token: str = ADMIN, **kw: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = self.http.request(method, path, headers=headers, **kw)
        r.raise_for_status()
        return dict(r.json())


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=str(HERE / f"{name}.png"), full_page=True)
    print("wrote", HERE / f"{name}.png")


def tour(page: Page, api: Api, suffix: str) -> None:
    """The main pages, pictured as `<page>{suffix}.png`."""
    lic = api.call("POST", "/v1/licenses", json={
        "product": "desktop", "seats": 1, "license_name": "Acme Inc",
        "email": f"it-{uuid.uuid4().hex[:6]}@acme.test"})
    for name, path in (("home", "/"), ("pricing", "/pricing")):
        page.goto(path)
        shoot(page, name + suffix)
    page.goto("/upgrade")
    page.get_by_label("License Name").fill("Acme Inc")
    page.get_by_label("License Key").fill(lic["license_key"])
    shoot(page, "upgrade-1-license" + suffix)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Total users").fill("5")
    page.get_by_role("button", name="Show price").click()
    shoot(page, "upgrade-2-users" + suffix)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Your name").fill("Ana Diaz")
    page.get_by_label("Email").fill("ana@acme.test")
    page.get_by_label("Billing address").fill("Acme Inc\n1 Main Street\nSpringfield 12345")
    shoot(page, "upgrade-3-payment" + suffix)
    page.get_by_role("button", name="Pay now").click()
    shoot(page, "upgrade-4-confirmation" + suffix)


def customer_pages(page: Page, api: Api) -> None:
    email = f"owner-{uuid.uuid4().hex[:6]}@acme.test"
    owner = api.call("POST", "/v1/accounts", token="", json={
        "email": email, "name": "Owner", "password": "pw-Owner-1234"})
    site = api.call("POST", "/v1/sites", owner["token"], json={"name": "Acme Rockets"})
    api.call("POST", "/v1/subscriptions", owner["token"], json={
        "site_id": site["id"], "plan": "small", "interval": "month", "card_token": "tok_visa"})
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("pw-Owner-1234")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/sites/{site['id']}/billing")
    page.get_by_label("Plan", exact=True).select_option("large")
    page.get_by_role("button", name="Preview").click()
    shoot(page, "billing-preview")


def console_pages(page: Page, api: Api) -> None:
    email = f"admin-{uuid.uuid4().hex[:6]}@vendor.test"
    api.call("POST", "/v1/staff", json={"email": email, "password": STAFF_PASSWORD,
                                        "role": "admin"})
    page.goto("/admin/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin")
    shoot(page, "console-dashboard")
    lic = api.call("POST", "/v1/licenses", json={
        "product": "jira-server", "seats": 25, "license_name": "Globex Corporation",
        "email": "it@globex.test"})
    page.goto(f"/admin/licenses/{lic['id']}")
    shoot(page, "console-license")
    page.goto("/admin/orders")
    shoot(page, "console-orders")


def main() -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="licensor-screenshots-") as home:
        server = start(Path(home), port)
        try:
            api = Api(base)
            api.call("PUT", "/v1/sandbox/clock", json={"now": FROZEN})
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                            args=["--no-sandbox", "--disable-gpu"])
                sizes: list[tuple[int, str, list[Callable[[Page, Api], None]]]] = [
                    (WIDE, "", [customer_pages, console_pages]), (PHONE, "-375px", [])]
                for width, suffix, more in sizes:
                    context = browser.new_context(base_url=base,
                                                  viewport={"width": width, "height": 900})
                    page = context.new_page()
                    tour(page, api, suffix)
                    for step in more:
                        step(page, api)
                    context.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
