"""Sites' lists page like every other list: `limit` and `cursor` are honoured, and the last
page carries no cursor, even when it is exactly full."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.subscriptions.conftest import Shop


def _walk(client: TestClient, path: str, who: dict[str, str], limit: int) -> list[dict[str, Any]]:
    """Every page of `path`; asserts no page is empty."""
    pages: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        r = client.get(path, params=params, headers=who)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["data"], f"an empty page after {len(pages)} pages"
        pages.append(body)
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


def test_invoices_last_full_page_has_no_cursor(shop: Shop, client: TestClient) -> None:
    owner, _ = shop.account()
    sub = shop.subscribe(owner, shop.site(owner)["id"])
    path = f"/v1/subscriptions/{sub['id']}/invoices"
    r = client.get(path, params={"limit": 1}, headers=owner)
    # one invoice, a page of one: nothing follows it
    assert r.status_code == 200 and len(r.json()["data"]) == 1
    assert r.json()["next_cursor"] is None


def test_projects_honour_limit_and_cursor(shop: Shop, client: TestClient) -> None:
    owner, _ = shop.account()
    sid = shop.site(owner)["id"]
    made = shop.projects(owner, sid, 3)
    pages = _walk(client, f"/v1/sites/{sid}/projects", owner, limit=2)
    assert [len(p["data"]) for p in pages] == [2, 1]
    assert sorted(x["id"] for p in pages for x in p["data"]) == sorted(made)
    r = client.get(f"/v1/sites/{sid}/projects", params={"cursor": "nope"}, headers=owner)
    assert r.status_code == 422 and r.json()["error"]["code"] == "INVALID_REQUEST"


def test_members_honour_limit_and_cursor(shop: Shop, client: TestClient) -> None:
    owner, _ = shop.account()
    sid = shop.site(owner)["id"]
    for i in range(3):
        shop.account(f"member{i}@example.test")
        r = client.post(f"/v1/sites/{sid}/members",
                        json={"email": f"member{i}@example.test", "role": "member"},
                        headers=owner)
        assert r.status_code == 201, r.text
    pages = _walk(client, f"/v1/sites/{sid}/members", owner, limit=2)
    assert [len(p["data"]) for p in pages] == [2, 1]
    assert sorted(x["email"] for p in pages for x in p["data"]) == [
        f"member{i}@example.test" for i in range(3)]
