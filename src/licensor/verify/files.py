"""Offline checks of what a machine without internet is handed: a license file (a signed, and
optionally encrypted, copy of a license with an expiry) and a release artifact (a downloaded
file whose digest the vendor signed). Formats: docs/releases.md.

A license file is `{"format": "licensor-license-file-v1", "kid", "alg", "payload",
"signature"}`: `signature` is the standard-base64 Ed25519 signature of the payload text's ASCII
bytes; `payload` is base64url of the JSON `{license, issued_at, expires_at, fingerprint}`, or,
with alg "aes-256-gcm+ed25519", of a 12-byte nonce followed by that JSON's AES-256-GCM
ciphertext and tag, keyed by SHA-256 of the License Key's text (+ "\\n" + fingerprint when the
file is bound to a machine). The key's text is as printed in the License Information (pasted
keys are read forgivingly first). Decryption needs the `cryptography` package; the rest only
PyNaCl.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any

from nacl.bindings import crypto_sign_open
from nacl.exceptions import BadSignatureError

from licensor.verify.answers import rfc3339_seconds, signature_bytes
from licensor.verify.revocations import decode_base64url

LICENSE_FILE_FORMAT = "licensor-license-file-v1"
PLAIN = "ed25519"
ENCRYPTED = "aes-256-gcm+ed25519"
ARTIFACT_FORMAT = "licensor-artifact-v1"
NONCE_BYTES = 12

VALID = "VALID"
EXPIRED = "EXPIRED"
BAD_SIGNATURE = "BAD_SIGNATURE"
UNKNOWN_KEY = "UNKNOWN_KEY"
FINGERPRINT_MISMATCH = "FINGERPRINT_MISMATCH"
DECRYPTION_FAILED = "DECRYPTION_FAILED"
MALFORMED = "MALFORMED"
DIGEST_MISMATCH = "DIGEST_MISMATCH"

_LICENSE_FIELDS = ("id", "product", "seats", "license_name", "status", "maintenance_until",
                   "major_version")


@dataclass(frozen=True, slots=True)
class LicenseFileCheck:
    """`code` is VALID or why not; `license` (the payload's license object) when VALID, and
    also when EXPIRED (an app may name what expired)."""

    code: str
    license: dict[str, Any] | None = None
    issued_at: int | None = None  # Unix seconds
    expires_at: int | None = None
    fingerprint: str | None = None

    @property
    def valid(self) -> bool:
        return self.code == VALID


def _public_keys(keys: Mapping[str, Any]) -> Mapping[str, bytes]:
    """kid → public key bytes, from that mapping or from the /v1/signing-keys answer itself."""
    if "data" in keys and isinstance(keys.get("data"), list):
        from licensor.verify import public_keys_from_json

        return public_keys_from_json(keys)
    return keys


def _signed(public_keys: Mapping[str, bytes], kid: object, signature_text: object,
            message: bytes) -> str | None:
    """None when the signature holds, else the verdict."""
    if not isinstance(kid, str) or not isinstance(signature_text, str):
        return MALFORMED
    public_key = public_keys.get(kid)
    if public_key is None:
        return UNKNOWN_KEY
    signature = signature_bytes(signature_text)
    if signature is None:
        return MALFORMED
    try:
        crypto_sign_open(signature + message, public_key)
    except BadSignatureError:
        return BAD_SIGNATURE
    return None


def content_key(license_key: str, fingerprint: str | None) -> bytes:
    """The AES-256 key of an encrypted license file."""
    from licensor.verify import format_key, key_bytes

    text = format_key(key_bytes(license_key))
    if fingerprint is not None:
        text += "\n" + fingerprint
    return hashlib.sha256(text.encode("utf-8")).digest()


def _decrypt(raw: bytes, license_key: str | None, fingerprint: str | None) -> bytes | None:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from licensor.verify import MalformedKey

    if license_key is None or len(raw) < NONCE_BYTES + 16:
        return None
    try:
        key = content_key(license_key, fingerprint)
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None)
    except (InvalidTag, MalformedKey):
        return None


def _payload(text: bytes) -> dict[str, Any] | None:
    try:
        payload = json.loads(text)
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    license_, fingerprint = payload.get("license"), payload.get("fingerprint")
    if (not isinstance(license_, dict) or not all(f in license_ for f in _LICENSE_FIELDS)
            or rfc3339_seconds(payload.get("issued_at")) is None
            or rfc3339_seconds(payload.get("expires_at")) is None
            or not (fingerprint is None or isinstance(fingerprint, str))):
        return None
    return payload


def _document(doc: Mapping[str, Any] | str | bytes) -> Mapping[str, Any] | None:
    if isinstance(doc, str | bytes):
        try:
            doc = json.loads(doc)
        except ValueError:
            return None
    if not isinstance(doc, Mapping) or doc.get("format") != LICENSE_FILE_FORMAT:
        return None
    if doc.get("alg") not in (PLAIN, ENCRYPTED) or not isinstance(doc.get("payload"), str):
        return None
    return doc


def verify_license_file(doc: Mapping[str, Any] | str | bytes, keys: Mapping[str, Any], *,
                        license_key: str | None = None, fingerprint: str | None = None,
                        now: float | None = None) -> LicenseFileCheck:
    """Check a license file (the parsed document or its JSON text) with the vendor's public
    keys (kid → bytes, or the /v1/signing-keys answer), at Unix time `now` (default: the
    machine's clock). An encrypted file needs the License Key; a file bound to a machine needs
    that machine's `fingerprint`."""
    document = _document(doc)
    if document is None or not document["payload"].isascii():
        return LicenseFileCheck(MALFORMED)
    payload_text: str = document["payload"]
    refused = _signed(_public_keys(keys), document.get("kid"), document.get("signature"),
                      payload_text.encode("ascii"))
    if refused is not None:
        return LicenseFileCheck(refused)
    raw = decode_base64url(payload_text)
    if raw is None:
        return LicenseFileCheck(MALFORMED)
    if document["alg"] == ENCRYPTED:
        decrypted = _decrypt(raw, license_key, fingerprint)
        if decrypted is None:
            return LicenseFileCheck(DECRYPTION_FAILED)
        raw = decrypted
    payload = _payload(raw)
    if payload is None:
        return LicenseFileCheck(MALFORMED)
    issued, expires = rfc3339_seconds(payload["issued_at"]), rfc3339_seconds(payload["expires_at"])
    bound = payload["fingerprint"]
    if bound is not None and bound != fingerprint:
        return LicenseFileCheck(FINGERPRINT_MISMATCH, fingerprint=bound)
    moment = time.time() if now is None else now
    code = EXPIRED if expires is not None and moment > expires else VALID
    return LicenseFileCheck(code, payload["license"], issued, expires, bound)


# -- artifacts ----------------------------------------------------------------------------------

def artifact_statement(product: str, version: str, platform: str, sha256_hex: str) -> bytes:
    return f"{ARTIFACT_FORMAT}\n{product}\n{version}\n{platform}\n{sha256_hex}".encode("ascii")


def _digest(data: bytes | IO[bytes] | Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    if isinstance(data, bytes | bytearray | memoryview):
        digest.update(data)
    elif hasattr(data, "read"):
        while chunk := data.read(1024 * 1024):  # a large file, read in pieces
            digest.update(chunk)
    else:
        for chunk in data:
            digest.update(chunk)
    return digest.hexdigest()


def verify_artifact(data: bytes | IO[bytes] | Iterable[bytes], artifact: Mapping[str, Any],
                    keys: Mapping[str, Any]) -> str:
    """VALID when `data` (bytes, a binary file, or chunks) is the file the vendor signed as
    `artifact` (the release's artifact or a download's answer); else DIGEST_MISMATCH,
    BAD_SIGNATURE, UNKNOWN_KEY or MALFORMED."""
    fields = [artifact.get(f) for f in ("product", "version", "platform", "sha256")]
    if not all(isinstance(f, str) and f.isascii() and "\n" not in f for f in fields):
        return MALFORMED
    product, version, platform, sha256_hex = (str(f) for f in fields)
    if len(sha256_hex) != 64 or any(c not in "0123456789abcdef" for c in sha256_hex):
        return MALFORMED
    refused = _signed(_public_keys(keys), artifact.get("kid"), artifact.get("signature"),
                      artifact_statement(product, version, platform, sha256_hex))
    if refused is not None:
        return refused
    return VALID if _digest(data) == sha256_hex else DIGEST_MISMATCH
