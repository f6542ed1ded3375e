"""Signed answers: an app checks that an online verdict came from the vendor's server, for this
request, just now.

`POST /v1/licenses/validate` and `POST /v1/updates/check` answer with `issued_at` and the
request's `nonce` in the body and a header `Licensor-Signature: v1,<kid>,<base64 signature>`,
an Ed25519 signature over `"POST <path>\\n" + <body bytes>`. Format: docs/key-format.md.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from nacl.bindings import crypto_sign_open
from nacl.exceptions import BadSignatureError

HEADER = "Licensor-Signature"
SCHEME = "v1"
# The paths whose answers are signed: a signature made for one of them and shown as the answer
# of another is reported as WRONG_PATH rather than a plain forgery.
SIGNED_PATHS = ("/v1/licenses/validate", "/v1/updates/check")
CLOCK_DRIFT = 300  # seconds the app's clock and the server's may disagree by
DEFAULT_MAX_AGE = 300  # seconds

VERIFIED = "VERIFIED"
MISSING_SIGNATURE = "MISSING_SIGNATURE"
MALFORMED_SIGNATURE = "MALFORMED_SIGNATURE"
UNKNOWN_KEY = "UNKNOWN_KEY"
BAD_SIGNATURE = "BAD_SIGNATURE"
WRONG_PATH = "WRONG_PATH"
MALFORMED_ANSWER = "MALFORMED_ANSWER"
NONCE_MISMATCH = "NONCE_MISMATCH"
TOO_OLD = "TOO_OLD"
FROM_THE_FUTURE = "FROM_THE_FUTURE"


@dataclass(frozen=True, slots=True)
class AnswerCheck:
    """The outcome: `code` names the first check that failed (or VERIFIED); `answer` is the
    parsed body once the signature holds."""

    code: str
    answer: dict[str, Any] | None = None
    kid: str | None = None

    @property
    def ok(self) -> bool:
        return self.code == VERIFIED


def signed_message(path: str, body: bytes) -> bytes:
    return b"".join((b"POST ", path.encode("ascii"), b"\n", body))


def header_value(kid: str, signature: bytes) -> str:
    return f"{SCHEME},{kid},{base64.b64encode(signature).decode('ascii')}"


def parse_header(value: str) -> tuple[str, bytes] | None:
    """(kid, 64-byte signature) of a `Licensor-Signature` value, or None."""
    parts = value.strip().split(",")
    if len(parts) != 3 or parts[0] != SCHEME:
        return None
    signature = signature_bytes(parts[2])
    return None if signature is None else (parts[1], signature)


# 64 bytes in standard base64 are always 86 characters and "==": anything else is malformed
# (one rule, so that every verifier refuses the same texts).
_SIGNATURE_TEXT = re.compile(r"[A-Za-z0-9+/]{86}==", re.ASCII)


def signature_bytes(text: str) -> bytes | None:
    """The 64 bytes of an Ed25519 signature written in standard base64, or None."""
    if _SIGNATURE_TEXT.fullmatch(text) is None:
        return None
    try:
        return base64.b64decode(text)
    except (binascii.Error, ValueError):
        return None


# Strict, so that every verifier (this one, clients/js) reads the same texts the same way.
_RFC3339_UTC = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?"
                          r"(?:Z|\+00:00)", re.ASCII)


def rfc3339_seconds(text: object) -> int | None:
    """Unix seconds (fraction dropped) of an RFC 3339 UTC time (`…Z` or `…+00:00`), or None."""
    match = _RFC3339_UTC.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        return None
    try:
        year, month, day, hour, minute, second = (int(g) for g in match.groups())
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:  # e.g. month 13, second 60
        return None
    return calendar.timegm(moment.utctimetuple())


def _opens(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        crypto_sign_open(signature + message, public_key)
    except BadSignatureError:
        return False
    return True


def verify_answer(public_keys: Mapping[str, bytes], *, path: str, body: bytes,
                  signature: str | None, nonce: str | None, now: float,
                  max_age: float = DEFAULT_MAX_AGE) -> AnswerCheck:
    """Check an answer: `body` exactly as received, `signature` the Licensor-Signature header,
    `nonce` the one the app sent (None if it sent none), `now` the app's Unix time.

    Checks in order: the header (MISSING_SIGNATURE, MALFORMED_SIGNATURE), the key
    (UNKNOWN_KEY), the signature over this path and body (WRONG_PATH, BAD_SIGNATURE), the body
    (MALFORMED_ANSWER), the nonce (NONCE_MISMATCH), the time (TOO_OLD when `issued_at` is more
    than `max_age` plus 5 minutes of clock drift ago, FROM_THE_FUTURE when it is more than 5
    minutes ahead).
    """
    if not signature:
        return AnswerCheck(MISSING_SIGNATURE)
    parsed = parse_header(signature)
    if parsed is None:
        return AnswerCheck(MALFORMED_SIGNATURE)
    kid, raw_signature = parsed
    public_key = public_keys.get(kid)
    if public_key is None:
        return AnswerCheck(UNKNOWN_KEY, kid=kid)
    if not _opens(public_key, raw_signature, signed_message(path, body)):
        other = any(_opens(public_key, raw_signature, signed_message(p, body))
                    for p in SIGNED_PATHS if p != path)
        return AnswerCheck(WRONG_PATH if other else BAD_SIGNATURE, kid=kid)
    try:
        answer = json.loads(body)
    except ValueError:
        return AnswerCheck(MALFORMED_ANSWER, kid=kid)
    if not isinstance(answer, dict):
        return AnswerCheck(MALFORMED_ANSWER, kid=kid)
    if answer.get("nonce") != nonce:
        return AnswerCheck(NONCE_MISMATCH, answer, kid)
    issued = rfc3339_seconds(answer.get("issued_at"))
    if issued is None:
        return AnswerCheck(MALFORMED_ANSWER, answer, kid)
    if issued < now - max_age - CLOCK_DRIFT:
        return AnswerCheck(TOO_OLD, answer, kid)
    if issued > now + CLOCK_DRIFT:
        return AnswerCheck(FROM_THE_FUTURE, answer, kid)
    return AnswerCheck(VERIFIED, answer, kid)
