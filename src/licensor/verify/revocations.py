"""The signed revocation list: how an offline app learns that a key was revoked.

`GET /v1/revocations` (or a file saved from it, shipped inside an app release) is
`{"format": "licensor-revocations-v1", "kid", "payload", "signature"}`: `payload` is the
base64url text of a JSON object `{"issued_at", "next_update", "sequence", "licenses"}`, and
`signature` the standard-base64 Ed25519 signature of the payload text's ASCII bytes.
Format: docs/key-format.md.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from nacl.bindings import crypto_sign_open
from nacl.exceptions import BadSignatureError

from licensor.verify.answers import rfc3339_seconds, signature_bytes

FORMAT = "licensor-revocations-v1"
DEFAULT_GRACE = 7 * 24 * 3600  # seconds after next_update before a list counts as stale

CURRENT = "CURRENT"
STALE = "STALE"  # still applied: a revoked key stays revoked; the app should fetch a newer list
MALFORMED = "MALFORMED"
UNKNOWN_KEY = "UNKNOWN_KEY"
BAD_SIGNATURE = "BAD_SIGNATURE"
ROLLED_BACK = "ROLLED_BACK"  # older than a list the app has already seen: refused

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*", re.ASCII)


@dataclass(frozen=True, slots=True)
class RevocationList:
    kid: str
    sequence: int
    issued_at: int  # Unix seconds, UTC
    next_update: int
    licenses: frozenset[str]

    def __contains__(self, license_id: object) -> bool:
        return license_id in self.licenses


@dataclass(frozen=True, slots=True)
class RevocationListCheck:
    """`code` is CURRENT or STALE (both carry the list, which an app applies) or why the
    document was refused (MALFORMED, UNKNOWN_KEY, BAD_SIGNATURE, ROLLED_BACK)."""

    code: str
    revocations: RevocationList | None = None

    @property
    def usable(self) -> bool:
        return self.revocations is not None


def decode_base64url(text: str) -> bytes | None:
    body = text.rstrip("=")
    padded = body != text
    if padded and (len(text) - len(body) > 2 or len(text) % 4):
        return None
    if _BASE64URL.fullmatch(body) is None or len(body) % 4 == 1:
        return None
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return None


def encode_base64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _payload(raw: bytes, kid: str) -> RevocationList | None:
    try:
        payload = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    issued, next_update = (rfc3339_seconds(payload.get("issued_at")),
                           rfc3339_seconds(payload.get("next_update")))
    sequence, licenses = payload.get("sequence"), payload.get("licenses")
    if (issued is None or next_update is None or type(sequence) is not int or sequence < 0
            or not isinstance(licenses, list) or not all(isinstance(x, str) for x in licenses)):
        return None
    return RevocationList(kid, sequence, issued, next_update, frozenset(licenses))


def check_revocation_list(public_keys: Mapping[str, bytes],
                          document: Mapping[str, object] | str | bytes, *, now: float,
                          last_sequence: int | None = None,
                          grace: float = DEFAULT_GRACE) -> RevocationListCheck:
    """Check a revocation list (the parsed document or its JSON text) at Unix time `now`.
    `last_sequence` is the highest sequence the app has accepted before (it keeps it): a lower
    one is ROLLED_BACK. A list past `next_update` + `grace` is STALE but still applied."""
    if isinstance(document, str | bytes):
        try:
            document = json.loads(document)
        except ValueError:
            return RevocationListCheck(MALFORMED)
    if not isinstance(document, Mapping) or document.get("format") != FORMAT:
        return RevocationListCheck(MALFORMED)
    kid, payload, signature_text = (document.get("kid"), document.get("payload"),
                                    document.get("signature"))
    if not (isinstance(kid, str) and isinstance(payload, str)
            and isinstance(signature_text, str)):
        return RevocationListCheck(MALFORMED)
    public_key = public_keys.get(kid)
    if public_key is None:
        return RevocationListCheck(UNKNOWN_KEY)
    signature = signature_bytes(signature_text)
    if signature is None or not payload.isascii():
        return RevocationListCheck(MALFORMED)
    signed = payload.encode("ascii")
    try:
        crypto_sign_open(signature + signed, public_key)
    except BadSignatureError:
        return RevocationListCheck(BAD_SIGNATURE)
    raw = decode_base64url(payload)
    revocations = None if raw is None else _payload(raw, kid)
    if revocations is None:
        return RevocationListCheck(MALFORMED)
    if last_sequence is not None and revocations.sequence < last_sequence:
        return RevocationListCheck(ROLLED_BACK)
    if now > revocations.next_update + grace:
        return RevocationListCheck(STALE, revocations)
    return RevocationListCheck(CURRENT, revocations)
