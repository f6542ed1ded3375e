# ruff: noqa: F811  (the portal's browser fixtures are imported by name and used as arguments)
"""/downloads, the license file on /license and the console's /admin/releases in a real browser
(Playwright driving Debian's Chromium) against the real server subprocess."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from licensor.verify import verify_artifact, verify_license_file
from tests.portal.test_browser import (  # noqa: F401  (fixtures)
    Api,
    api,
    browser,
    error_of,
    page,
    pytestmark,
    server,
)
from tests.staff.test_console_browser import log_in, staff


def release_with_file(api: Api, product: str, version: str, at: str, data: bytes,
                      platform: str = "linux") -> None:
    api.call("PUT", f"/v1/products/{product}/releases/{version}", json={"released_at": at})
    r = api.http.put(f"/v1/products/{product}/releases/{version}/artifacts/{platform}",
                     params={"filename": f"{product}-{version}.bin"}, content=data,
                     headers={"Authorization": "Bearer test-admin-token"})
    assert r.status_code in (200, 201), r.text


def test_a_customer_downloads_what_the_license_covers(page: Any, api: Api) -> None:
    minor = f"{uuid.uuid4().int % 900 + 100}"
    covered, later = f"7.{minor}.0", f"7.{minor}.1"
    data = uuid.uuid4().bytes * 1000
    release_with_file(api, "jira-server", covered, "2027-01-01T00:00:00Z", data)
    release_with_file(api, "jira-server", later, "2029-01-01T00:00:00Z", b"later")
    lic = api.license(product="jira-server", seats=25,
                      maintenance_until="2028-01-01T00:00:00Z")
    page.goto("/")
    page.get_by_role("link", name="Download your software").click()
    page.get_by_label("License Name").fill("Acme Inc")
    page.get_by_label("License Key").fill(lic["license_key"])
    page.get_by_role("button", name="Continue").click()
    text = page.locator("main").inner_text()
    assert hashlib.sha256(data).hexdigest() in text
    assert text.index(later) < text.index(covered)  # newest first
    assert page.get_by_role("button", name=f"Download {later} for linux").count() == 0
    assert page.get_by_role("link", name="Renew maintenance").count() >= 1
    page.set_viewport_size({"width": 375, "height": 800})  # nothing wider than a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1000, "height": 800})
    with page.expect_download() as download:
        page.get_by_role("button", name=f"Download {covered} for linux").click()
    saved = Path(download.value.path()).read_bytes()
    assert saved == data
    artifact = next(a for r in api.call("GET", "/v1/products/jira-server/releases?limit=500")[
        "data"] if r["version"] == covered for a in r["artifacts"])
    keys = httpx.get(str(api.http.base_url.join("/v1/signing-keys"))).json()
    assert verify_artifact(saved, artifact, keys) == "VALID"


def test_a_holder_downloads_a_license_file_for_a_machine(page: Any, api: Api) -> None:
    lic = api.license(product="desktop", seats=2)
    page.goto("/license")
    page.get_by_label("License Name").fill("Acme Inc")
    page.get_by_label("License Key").fill(lic["license_key"])
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Machine fingerprint").fill("laptop-01")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download license file").click()
    document = json.loads(Path(download.value.path()).read_text())
    keys = httpx.get(str(api.http.base_url.join("/v1/signing-keys"))).json()
    check = verify_license_file(document, keys, fingerprint="laptop-01")
    assert check.code == "VALID" and check.license and check.license["id"] == lic["id"]
    assert verify_license_file(document, keys, fingerprint="laptop-02").code == \
        "FINGERPRINT_MISMATCH"


def test_an_administrator_publishes_a_file_from_the_console(page: Any, api: Api,
                                                            tmp_path: Path) -> None:
    version = f"3.{uuid.uuid4().int % 900 + 100}.0"
    log_in(page, staff(api, "admin"), "/admin")
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Releases").click()
    page.wait_for_url("**/admin/releases")
    page.get_by_label("Product").select_option("desktop")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/admin/releases?product=desktop")
    page.get_by_label("Version", exact=True).fill(version)
    page.get_by_label("Released at").fill("2027-02-01")
    page.get_by_label("Notes").fill("Browser-made")
    page.get_by_role("button", name="Save release").click()
    assert "Release saved" in page.get_by_role("status").inner_text()
    file = tmp_path / "Mockups.dmg"
    file.write_bytes(b"dmg" * 500_000)
    page.get_by_label("Release", exact=True).select_option(version)
    page.get_by_label("Platform").fill("macos")
    page.get_by_label("File").set_input_files(str(file))
    # What the button looks like while the file goes up, kept across the navigation.
    page.evaluate("""() => document.addEventListener('submit', (event) => setTimeout(() => {
        const b = event.target.querySelector('button[type=submit]');
        sessionStorage.setItem('busy', JSON.stringify([b.disabled, b.textContent]));
    }, 50))""")
    sent: list[str] = []

    def slow(route: Any) -> None:  # a large file takes a while: the page stays on screen
        if route.request.method == "POST":
            sent.append(route.request.url)
            time.sleep(1)
        route.continue_()

    page.route("**/admin/releases/**", slow)
    page.get_by_role("button", name="Upload").click()
    assert "File uploaded and signed" in page.get_by_role("status").inner_text()
    assert page.evaluate("sessionStorage.getItem('busy')") == '[true,"Uploading…"]'
    assert len(sent) == 1
    row = page.locator(f'tr[data-version="{version}"]')
    assert "Mockups.dmg" in row.inner_text() and "Browser-made" in row.inner_text()
    release = next(r for r in api.call("GET", "/v1/products/desktop/releases?limit=500")["data"]
                   if r["version"] == version)
    assert release["artifacts"][0]["sha256"] == hashlib.sha256(file.read_bytes()).hexdigest()
