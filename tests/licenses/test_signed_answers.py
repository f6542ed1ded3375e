"""Signed answers: validate and update check sign what they say, and licensor.verify refuses a
forged, replayed, edited, misdirected or old answer."""

from __future__ import annotations

import calendar
import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from nacl.signing import SigningKey

from licensor.core.context import Context
from licensor.verify import Verifier, public_keys_from_json
from licensor.verify.answers import (
    BAD_SIGNATURE,
    FROM_THE_FUTURE,
    MISSING_SIGNATURE,
    NONCE_MISMATCH,
    TOO_OLD,
    UNKNOWN_KEY,
    VERIFIED,
    WRONG_PATH,
    header_value,
    signed_message,
)
from tests.builders import create_license, license_info

VALIDATE = "/v1/licenses/validate"
UPDATES = "/v1/updates/check"
HOT = {"Content-Type": "application/json"}
REGULAR = {"Content-Type": "application/vnd.licensor+json"}  # FastAPI's route, not hot_path.py


def verifier(client: TestClient) -> Verifier:
    return Verifier(public_keys_from_json(client.get("/v1/signing-keys").json()))


def post(client: TestClient, path: str, body: dict[str, Any],
         headers: dict[str, str] = HOT) -> Any:
    response = client.post(path, content=json.dumps(body), headers=headers)
    assert response.status_code == 200, response.text
    return response


def check(v: Verifier, path: str, response: Any, nonce: str | None, *,
          body: bytes | None = None, now: float | None = None, max_age: float = 60) -> str:
    return v.verify_answer(path=path, body=response.content if body is None else body,
                           signature=response.headers.get("Licensor-Signature"), nonce=nonce,
                           now=time.time() if now is None else now, max_age=max_age).code


@pytest.mark.parametrize("headers", [HOT, REGULAR], ids=["hot path", "regular route"])
def test_validate_answers_are_signed_with_the_active_key(ctx: Context, client: TestClient,
                                                         headers: dict[str, str]) -> None:
    row = create_license(ctx)
    response = post(client, VALIDATE, {**license_info(row), "nonce": "n-1"}, headers)
    answer = response.json()
    assert answer["code"] == "VALID" and answer["nonce"] == "n-1"
    issued = calendar.timegm(time.strptime(answer["issued_at"], "%Y-%m-%dT%H:%M:%SZ"))
    assert abs(time.time() - issued) < 5  # real time (even in sandbox mode), RFC 3339 UTC
    scheme, kid, _ = response.headers["Licensor-Signature"].split(",")
    assert (scheme, kid) == ("v1", row.kid)
    v = verifier(client)
    assert check(v, VALIDATE, response, "n-1") == VERIFIED
    # Every verdict is signed, refusals of the key too.
    refused = post(client, VALIDATE, {**license_info(row), "license_name": "Other"}, headers)
    assert refused.json()["code"] == "NAME_MISMATCH"
    assert check(v, VALIDATE, refused, None) == VERIFIED


def test_update_check_answers_are_signed(ctx: Context, client: TestClient) -> None:
    row = create_license(ctx)
    response = post(client, UPDATES, {**license_info(row), "version": "3.0.0", "nonce": "u"})
    assert response.json()["nonce"] == "u" and "allowed" in response.json()
    assert check(verifier(client), UPDATES, response, "u") == VERIFIED


@pytest.mark.parametrize("path,extra", [(VALIDATE, {}), (UPDATES, {"version": "3.0.0"})])
@pytest.mark.parametrize("headers", [HOT, REGULAR], ids=["json", "other json type"])
def test_a_nonce_over_128_characters_is_refused(ctx: Context, client: TestClient, path: str,
                                                extra: dict[str, str],
                                                headers: dict[str, str]) -> None:
    body = {**license_info(create_license(ctx)), **extra}
    assert post(client, path, {**body, "nonce": "n" * 128}, headers).json()["nonce"] == "n" * 128
    response = client.post(path, content=json.dumps({**body, "nonce": "n" * 129}),
                           headers=headers)
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["details"]["field"]) == ("INVALID_REQUEST", "nonce")


def test_forged_replayed_edited_misdirected_and_old_answers_are_refused(
        ctx: Context, client: TestClient) -> None:
    row = create_license(ctx)
    v = verifier(client)
    response = post(client, VALIDATE, {**license_info(row), "nonce": "fresh"})
    now = time.time()
    assert check(v, VALIDATE, response, "fresh", now=now) == VERIFIED
    # Replayed: the answer to an earlier request, shown for this one.
    assert check(v, VALIDATE, response, "another", now=now) == NONCE_MISMATCH
    # Edited: REVOKED turned into VALID, or anything else.
    edited = response.content.replace(b'"code":"VALID"', b'"code":"VALID" ')
    assert check(v, VALIDATE, response, "fresh", body=edited, now=now) == BAD_SIGNATURE
    # Forged by a server that claims the vendor's kid but holds another key.
    impostor = SigningKey(b"\x07" * 32)
    forged = header_value(row.kid, impostor.sign(signed_message(VALIDATE, response.content))
                          .signature)
    assert v.verify_answer(path=VALIDATE, body=response.content, signature=forged,
                           nonce="fresh", now=now).code == BAD_SIGNATURE
    assert v.verify_answer(path=VALIDATE, body=response.content, signature=header_value(
        "00000000", impostor.sign(signed_message(VALIDATE, response.content)).signature),
        nonce="fresh", now=now).code == UNKNOWN_KEY
    assert v.verify_answer(path=VALIDATE, body=response.content, signature=None,
                           nonce="fresh", now=now).code == MISSING_SIGNATURE
    # An update check's answer shown as a validation's.
    update = post(client, UPDATES, {**license_info(row), "version": "3.0.0", "nonce": "fresh"})
    assert check(v, VALIDATE, update, "fresh", now=now) == WRONG_PATH
    # Old (replayed later), or from a clock far ahead: 60 s allowed plus 5 minutes of drift.
    assert check(v, VALIDATE, response, "fresh", now=now + 60 + 300 - 5) == VERIFIED
    assert check(v, VALIDATE, response, "fresh", now=now + 60 + 300 + 5) == TOO_OLD
    assert check(v, VALIDATE, response, "fresh", now=now - 300 - 5) == FROM_THE_FUTURE


def test_after_a_rotation_answers_are_signed_with_the_new_key(ctx: Context, client: TestClient,
                                                              admin: dict[str, str]) -> None:
    row = create_license(ctx)
    post(client, VALIDATE, license_info(row))  # the old key is cached for signing
    new_kid = client.post("/v1/signing-keys/rotate", headers=admin).json()["kid"]
    for path, extra in ((VALIDATE, {}), (UPDATES, {"version": "3.0.0"})):
        response = post(client, path, {**license_info(row), **extra})
        assert response.headers["Licensor-Signature"].split(",")[1] == new_kid
        assert check(verifier(client), path, response, None) == VERIFIED
