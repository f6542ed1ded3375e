"""Helpers of the releases tests: releases with files, uploaded as a vendor would."""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Any

from fastapi.testclient import TestClient
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from tests.conftest import ADMIN


def put_release(client: TestClient, product: str, version: str, at: str, *,
                channel: str = "stable", notes: str = "") -> dict[str, Any]:
    r = client.put(f"/v1/products/{product}/releases/{version}", headers=ADMIN,
                   json={"released_at": at, "channel": channel, "notes": notes})
    assert r.status_code in (200, 201), r.text
    answer: dict[str, Any] = r.json()
    return answer


def upload(client: TestClient, product: str, version: str, platform: str, data: bytes,
           filename: str = "app.bin", *, status: int = 201) -> dict[str, Any]:
    r = client.put(f"/v1/products/{product}/releases/{version}/artifacts/{platform}",
                   params={"filename": filename}, content=data,
                   headers={**ADMIN, "Content-Type": "application/octet-stream"})
    assert r.status_code == status, r.text
    answer: dict[str, Any] = r.json()
    return answer


def random_bytes(size: int) -> bytes:
    return os.urandom(size)


def signature_holds(client: TestClient, artifact: dict[str, Any], data: bytes) -> bool:
    """The artifact's signature checked with the published key, as an app would."""
    keys = {k["kid"]: k["public_key"] for k in client.get("/v1/signing-keys").json()["data"]}
    statement = "\n".join(["licensor-artifact-v1", artifact["product"], artifact["version"],
                           artifact["platform"], hashlib.sha256(data).hexdigest()])
    try:
        VerifyKey(base64.b64decode(keys[artifact["kid"]])).verify(
            statement.encode(), base64.b64decode(artifact["signature"]))
    except BadSignatureError:
        return False
    return True
