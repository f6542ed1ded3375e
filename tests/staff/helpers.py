"""Helpers for the console's tests: staff made through the API, signed in through the form."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from tests import builders
from tests.conftest import ADMIN
from tests.portal.helpers import csrf

PASSWORD = "correct horse battery"


def make_staff(client: TestClient, role: str = "admin") -> dict[str, Any]:
    email = f"{role}-{uuid.uuid4().hex[:8]}@vendor.test"
    r = client.post("/v1/staff", json={"email": email, "password": PASSWORD, "role": role},
                    headers=ADMIN)
    assert r.status_code == 201, r.text
    return dict(r.json())


def log_in(client: TestClient, role: str = "admin") -> dict[str, Any]:
    member = make_staff(client, role)
    token = csrf(client, "/admin/login")
    r = client.post("/admin/login", data={"csrf_token": token, "email": member["email"],
                                          "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return member


def console_post(client: TestClient, path: str, data: dict[str, Any], page: str) -> Any:
    return client.post(path, data={"csrf_token": csrf(client, page), **data},
                       follow_redirects=False)


def issue(client: TestClient, **body: Any) -> dict[str, Any]:
    """A desktop license for one user, mailed to an address of its own."""
    return builders.issue(client, ADMIN, **{
        "seats": 1, "email": f"it-{uuid.uuid4().hex[:8]}@acme.test", **body})
