"""No API path or HTTP word in a page or a mail meant for customers: the customer pages are
crawled (signed out and signed in) and refused in the ways whose messages name API calls;
every refusal message in the code is checked in its page words; the mails customers get are
read from the outbox. A browser asking for an unknown page gets an HTML page with a link
home; API clients keep JSON."""

from __future__ import annotations

import ast
import re
from collections import deque
from pathlib import Path

from fastapi.testclient import TestClient

from licensor.core.web.plain_words import API_WORDS, plain
from tests.orders.helpers import order, pay
from tests.portal.helpers import post

ADMIN = {"Authorization": "Bearer test-admin-token"}
SRC = Path(__file__).resolve().parents[2] / "src" / "licensor"
SKIP = ("/v1/", "/docs", "/static/", "/admin", "/logout", "/openapi", "/redoc")
HTML = {"Accept": "text/html,application/xhtml+xml"}


def api_words(html: str) -> list[str]:
    return [m.group(0) for m in API_WORDS.finditer(html)]


def crawl(client: TestClient, start: list[str], limit: int = 120) -> dict[str, str]:
    """Every customer page reachable from `start` by links (PDFs and downloads left out)."""
    seen: dict[str, str] = {}
    queue = deque(start)
    while queue and len(seen) < limit:
        path = queue.popleft()
        if path in seen:
            continue
        r = client.get(path)
        seen[path] = r.text
        if "text/html" not in r.headers.get("content-type", ""):
            continue
        for link in re.findall(r'href="(/[^"#]*)"', r.text):
            link = link.replace("&amp;", "&")
            if not link.startswith(SKIP) and not link.endswith((".pdf", ".css", ".js")):
                queue.append(link)
    return seen


def license_for(client: TestClient, **body: object) -> dict[str, str]:
    r = client.post("/v1/licenses", headers=ADMIN, json={
        "product": "desktop", "seats": 1, "license_name": "Acme Inc",
        "email": "it@acme.test", **body})
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_customer_pages_name_no_api_call(client: TestClient) -> None:
    pages = crawl(client, ["/"])
    assert {"/", "/pricing", "/upgrade", "/lost-key", "/login", "/password-reset",
            "/google-drive"} <= set(pages)
    post(client, "/signup", {"name": "Ana", "email": "ana@acme.test", "password": "pw"})
    post(client, "/sites", {"action": "create", "name": "Rocket Co"})
    signed_in = crawl(client, ["/sites", "/account"])
    assert any(p.endswith("/billing") for p in signed_in)
    found = {path: api_words(html) for path, html in {**pages, **signed_in}.items()
             if api_words(html)}
    assert found == {}


def test_refusals_on_pages_name_pages_not_calls(client: TestClient) -> None:
    lic = license_for(client)
    wrong = post(client, "/upgrade", {"license_name": "Acme Inc",
                                      "license_key": lic["license_key"][:-4] + "AAAA"})
    assert "lost-key page" in wrong.text and api_words(wrong.text) == []
    quote = client.post("/v1/quotes", json={
        "kind": "upgrade", "license_name": "Acme Inc", "license_key": lic["license_key"],
        "seats": 2}).json()
    made = order(client, quote["id"])
    pay(client, made["id"])  # the upgrade supersedes the key
    old = post(client, "/license", {"license_name": "Acme Inc",
                                    "license_key": lic["license_key"]})
    assert "newest License Information" in old.text and api_words(old.text) == []
    post(client, "/signup", {"name": "Ana", "email": "ana@acme.test", "password": "pw"})
    client.cookies.clear()
    taken = post(client, "/signup", {"name": "Ana", "email": "ana@acme.test", "password": "pw"})
    assert "log in instead" in taken.text and api_words(taken.text) == []


def _refusal_messages() -> list[tuple[str, str]]:
    """(where, message) of every LicensorError written in the code, f-string parts as `x`."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.Call) and len(node.args) >= 2
                    and getattr(node.func, "id", getattr(node.func, "attr", "")) ==
                    "LicensorError"):
                continue
            arg = node.args[1]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append((f"{path.name}:{node.lineno}", arg.value))
            elif isinstance(arg, ast.JoinedStr):
                text = "".join(v.value if isinstance(v, ast.Constant) else "x"
                               for v in arg.values)
                found.append((f"{path.name}:{node.lineno}", str(text)))
    return found


def test_every_refusal_reads_without_api_words_on_a_page() -> None:
    messages = _refusal_messages()
    assert len(messages) > 100  # the scan finds the code's refusals
    assert sum(1 for _, m in messages if "/v1/" in m) >= 5  # and the ones naming calls
    left = {where: plain(m) for where, m in messages if api_words(plain(m))}
    assert left == {}


def test_mail_templates_and_customer_mails_name_no_api_call(client: TestClient) -> None:
    for template in sorted((SRC / "templates" / "mail").iterdir()):
        assert api_words(template.read_text()) == [], template.name
    # The mails the portal's flows send, and the maintenance reminder the clock sends.
    client.put("/v1/sandbox/clock", json={"now": "2026-01-10T12:00:00Z"}, headers=ADMIN)
    license_for(client, product="confluence-server", seats=25)
    post(client, "/lost-key", {"email": "it@acme.test"})
    client.put("/v1/sandbox/clock", json={"now": "2026-12-11T12:00:00Z"}, headers=ADMIN)
    client.post("/v1/sandbox/clock/advance", json={"seconds": 1}, headers=ADMIN)
    post(client, "/signup", {"name": "Ana", "email": "ana@acme.test", "password": "pw"})
    post(client, "/password-reset", {"email": "ana@acme.test"})
    sent = client.get("/v1/sandbox/outbox", headers=ADMIN).json()["data"]
    subjects = {m["subject"] for m in sent}
    assert {"Your License Information", "Reset your password"} <= subjects
    assert any("maintenance ends on" in s for s in subjects)
    for message in sent:
        assert api_words(message["body"]) == [], message["subject"]
        assert api_words(message.get("html") or "") == [], message["subject"]


def test_an_unknown_page_is_a_page_for_browsers_and_json_for_api_clients(
        client: TestClient) -> None:
    page = client.get("/no-such-page", headers=HTML)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Page not found" in page.text and '<a href="/">' in page.text
    api = client.get("/no-such-page")
    assert api.status_code == 404 and api.json()["error"]["code"] == "NOT_FOUND"
    under_v1 = client.get("/v1/no-such-thing", headers=HTML)
    assert under_v1.status_code == 404 and under_v1.json()["error"]["code"] == "NOT_FOUND"
    console = client.get("/admin/no-such-page", headers=HTML)
    assert console.status_code == 404 and "text/html" in console.headers["content-type"]
