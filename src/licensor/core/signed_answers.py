"""Signed answers: the validate and update-check answers carry `issued_at` and the request's
`nonce`, and a `Licensor-Signature` header over `"POST <path>\\n" + <body>` made with the
active signing key, so an app can tell the vendor's server from an impostor or a replay
(licensor.verify.answers checks them; format in docs/key-format.md).

`issued_at` is real time even in sandbox mode: the app compares it with its own clock.
"""

from __future__ import annotations

import json
import time
from typing import Any

from nacl.bindings import crypto_sign, crypto_sign_BYTES
from nacl.signing import SigningKey
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from licensor.core.signing import Keyring
from licensor.verify.answers import HEADER, header_value, signed_message

__all__ = ["HEADER", "HEADER_NAME", "MAX_NONCE", "issued_at_now", "sign", "sign_with"]

HEADER_NAME = HEADER.lower().encode("ascii")
MAX_NONCE = 128

_issued: tuple[int, str] = (0, "")


def issued_at_now() -> str:
    """Now, RFC 3339 UTC to the second; formatted once a second (every answer carries it)."""
    global _issued
    second = int(time.time())
    if _issued[0] != second:
        _issued = (second, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second)))
    return _issued[1]


def sign(keyring: Keyring, session: Session | Connection, path: str, answer: dict[str, Any],
         nonce: str | None) -> tuple[bytes, str]:
    """(body bytes, Licensor-Signature value) of `answer` with `issued_at` and `nonce` added."""
    kid, key = keyring.answer_signer(session)
    return sign_with(kid, key, path, answer, nonce, issued_at_now())


def sign_with(kid: str, key: SigningKey, path: str, answer: dict[str, Any], nonce: str | None,
              issued_at: str) -> tuple[bytes, str]:
    """The signing itself, with the key and the time given (the test vectors use it)."""
    answer["issued_at"] = issued_at
    answer["nonce"] = nonce
    body = _encode(answer).encode()
    # The binding itself: SigningKey.sign wraps its result in objects each answer would pay for.
    signed = crypto_sign(signed_message(path, body), _secret(key))
    return body, header_value(kid, signed[:crypto_sign_BYTES])


_secret_of: tuple[SigningKey | None, bytes] = (None, b"")


def _secret(key: SigningKey) -> bytes:
    """libsodium's secret key (seed + public key) of the key that signed the last answer."""
    global _secret_of
    held = _secret_of
    if held[0] is not key:
        held = _secret_of = (key, bytes(key) + bytes(key.verify_key))
    return held[1]


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
