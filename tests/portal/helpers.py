"""Helpers for the portal's tests: CSRF tokens from pages, errors shown next to fields."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client: TestClient, path: str = "/upgrade") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = CSRF.search(page.text)
    assert found, "the page has no CSRF field"
    return found.group(1)


def post(client: TestClient, path: str, data: dict[str, Any], *,
         token_from: str | None = None, **kw: Any) -> Any:
    token = csrf(client, token_from or path)
    return client.post(path, data={"csrf_token": token, **data}, **kw)


def field_error(html: str, field: str) -> str | None:
    """The error text shown next to `field`, if the field points at it with aria-describedby."""
    found = re.search(rf'<p class="error" id="{field}-error"[^>]*>(.*?)</p>', html, re.DOTALL)
    if not found:
        return None
    assert re.search(rf'id="{field}"[^>]*aria-describedby="[^"]*{field}-error', html), \
        f"{field} does not point at its error"
    text = re.sub(r"<[^>]+>", "", found.group(1))
    return (text.replace("&#39;", "'").replace("&amp;", "&").replace("&quot;", '"')
            .replace(" Go to the marketplace", "").strip())
