"""Shared test vectors of license files and release artifacts: clients/js/test/files.json is
made here from the real signer (releases.license_files.build_license_file,
releases.service.sign_artifact) with the fixed keys of test_vectors.py; licensor.verify must
give every expected code, the committed file must be exactly what this makes, and the
JavaScript verifier (node --test in clients/js) must give the same codes.

After a deliberate change: LICENSOR_WRITE_VECTORS=1 ./run test tests/verify/test_file_vectors.py
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from datetime import UTC, datetime
from typing import Any

from nacl.signing import SigningKey

from licensor.releases.license_files.service import build_license_file
from licensor.releases.service import sign_artifact
from licensor.verify import format_key, verify_artifact, verify_license_file
from licensor.verify.revocations import encode_base64url
from tests.verify.test_vectors import (
    ACTIVE,
    IMPOSTOR,
    JS,
    KID,
    LIC_A,
    NOW,
    OLDER,
    OLDER_KID,
    RETIRED,
    RETIRED_KID,
    messy,
    signing_keys,
)

VECTORS = JS / "test" / "files.json"
ISSUED = datetime.fromtimestamp(NOW - 3600, UTC)  # an hour before the app's clock
TTL = 7 * 24 * 3600
LICENSE = {"id": LIC_A, "product": "desktop", "seats": 5, "license_name": "Acme Inc",
           "status": "active", "maintenance_until": None, "major_version": 3}
# Any License Key text will do (only its bytes key the encryption): fixed bytes, so these vectors
# do not move when the License Name's normalization (inside real keys) changes.
KEY = format_key(bytes(range(7, 107)))
OTHER_KEY = format_key(bytes(range(8, 108)))
NONCE = bytes(range(12))


def license_file(*, fingerprint: str | None = None, encrypt: bool = False, ttl: int = TTL,
                 signer: SigningKey = ACTIVE, kid: str = KID,
                 license_view: dict[str, Any] | None = None) -> dict[str, str]:
    return build_license_file(kid, signer, license_view or dict(LICENSE), ISSUED, ttl,
                              fingerprint, KEY if encrypt else None, NONCE)


def resigned(payload: str) -> dict[str, str]:
    """A document whose (odd) payload the vendor's key did sign."""
    return {"format": "licensor-license-file-v1", "kid": KID, "alg": "ed25519",
            "payload": payload,
            "signature": base64.b64encode(ACTIVE.sign(payload.encode()).signature).decode()}


def file_vectors() -> list[dict[str, Any]]:
    plain = license_file()
    out: list[dict[str, Any]] = []

    def add(name: str, doc: dict[str, Any] | str, code: str, *, license_key: str | None = None,
            fingerprint: str | None = None, now: int = NOW) -> None:
        out.append({"name": name, "document": doc if isinstance(doc, str) else json.dumps(doc),
                    "license_key": license_key, "fingerprint": fingerprint, "now": now,
                    "expect": {"code": code, "license_id": LIC_A if code in (
                        "VALID", "EXPIRED") else None}})

    expires = int(ISSUED.timestamp()) + TTL
    add("valid", plain, "VALID")
    add("signed by an older key still trusted", license_file(signer=OLDER, kid=OLDER_KID),
        "VALID")
    add("valid at the expiry instant", plain, "VALID", now=expires)
    add("expired", plain, "EXPIRED", now=expires + 1)
    add("edited payload", {**plain, "payload": license_file(
        license_view={**LICENSE, "seats": 500})["payload"]}, "BAD_SIGNATURE")
    add("forged with the vendor's kid", license_file(signer=IMPOSTOR), "BAD_SIGNATURE")
    add("unknown kid", license_file(signer=IMPOSTOR, kid="0badc0de"), "UNKNOWN_KEY")
    add("retired kid", license_file(signer=RETIRED, kid=RETIRED_KID), "UNKNOWN_KEY")
    bound = license_file(fingerprint="host-7f3a")
    add("bound, this machine", bound, "VALID", fingerprint="host-7f3a")
    add("bound, another machine", bound, "FINGERPRINT_MISMATCH", fingerprint="host-0000")
    add("bound, no fingerprint given", bound, "FINGERPRINT_MISMATCH")
    add("not bound, any machine", plain, "VALID", fingerprint="host-7f3a")
    sealed = license_file(encrypt=True)
    add("encrypted", sealed, "VALID", license_key=KEY)
    add("encrypted, key typed messily", sealed, "VALID", license_key=messy(KEY))
    add("encrypted, expired", sealed, "EXPIRED", license_key=KEY, now=expires + 1)
    add("encrypted, another key", sealed, "DECRYPTION_FAILED",
        license_key=OTHER_KEY)
    add("encrypted, no key given", sealed, "DECRYPTION_FAILED")
    add("encrypted, key not a key", sealed, "DECRYPTION_FAILED", license_key="hello!")
    sealed_bound = license_file(encrypt=True, fingerprint="host-7f3a")
    add("encrypted and bound", sealed_bound, "VALID", license_key=KEY, fingerprint="host-7f3a")
    add("encrypted and bound, another machine", sealed_bound, "DECRYPTION_FAILED",
        license_key=KEY, fingerprint="host-0000")
    add("not JSON", "license: yes", "MALFORMED")
    add("another format", {**plain, "format": "licensor-license-file-v2"}, "MALFORMED")
    add("unknown alg", {**plain, "alg": "rot13"}, "MALFORMED")
    add("no payload", {k: v for k, v in plain.items() if k != "payload"}, "MALFORMED")
    add("signature not base64", {**plain, "signature": "not a signature"}, "MALFORMED")
    add("signed payload, not base64url", resigned("abc$"), "MALFORMED")
    add("signed payload, not JSON", resigned(encode_base64url(b"not json")), "MALFORMED")
    add("signed payload without expires_at", resigned(encode_base64url(json.dumps(
        {"license": LICENSE, "issued_at": "2026-05-28T19:26:40Z",
         "fingerprint": None}).encode())), "MALFORMED")
    return out


def artifact_vectors() -> list[dict[str, Any]]:
    data = bytes(range(256)) * 3 + "Grüße\n".encode()
    digest = hashlib.sha256(data).hexdigest()

    def artifact(signer: SigningKey = ACTIVE, kid: str = KID, sha: str = digest,
                 platform: str = "windows-x64") -> dict[str, Any]:
        return {"product": "desktop", "version": "3.5.0", "platform": platform,
                "filename": "Mockups-3.5.0.exe", "size": len(data), "sha256": sha,
                "signature": sign_artifact(signer, "desktop", "3.5.0", platform, sha),
                "kid": kid}

    good = artifact()
    out: list[dict[str, Any]] = []

    def add(name: str, item: dict[str, Any], code: str, raw: bytes = data) -> None:
        out.append({"name": name, "data": base64.b64encode(raw).decode(), "artifact": item,
                    "expect": code})

    add("valid", good, "VALID")
    add("signed by an older key still trusted", artifact(OLDER, OLDER_KID), "VALID")
    add("a changed byte", good, "DIGEST_MISMATCH", data[:-1] + b"?")
    add("truncated download", good, "DIGEST_MISMATCH", data[:100])
    add("another platform claimed", {**good, "platform": "macos"}, "BAD_SIGNATURE")
    add("digest replaced to match other bytes",
        {**good, "sha256": hashlib.sha256(b"evil").hexdigest()}, "BAD_SIGNATURE", b"evil")
    add("forged with the vendor's kid", artifact(IMPOSTOR), "BAD_SIGNATURE")
    add("unknown kid", artifact(IMPOSTOR, "0badc0de"), "UNKNOWN_KEY")
    add("retired kid", artifact(RETIRED, RETIRED_KID), "UNKNOWN_KEY")
    add("no digest", {k: v for k, v in good.items() if k != "sha256"}, "MALFORMED")
    add("digest in upper case", {**good, "sha256": digest.upper()}, "MALFORMED")
    add("signature not base64", {**good, "signature": "###"}, "MALFORMED")
    return out


def build() -> dict[str, Any]:
    return {"about": "Generated by tests/verify/test_file_vectors.py from Licensor's signer; "
                     "do not edit.",
            "signing_keys": signing_keys(), "license_files": file_vectors(),
            "artifacts": artifact_vectors()}


def render(vectors: dict[str, Any]) -> str:
    return json.dumps(vectors, ensure_ascii=False, indent=1) + "\n"


def test_the_committed_file_vectors_are_what_the_signer_makes() -> None:
    text = render(build())
    if os.environ.get("LICENSOR_WRITE_VECTORS") == "1":
        VECTORS.write_text(text, encoding="utf-8")
    assert VECTORS.exists(), f"{VECTORS} is missing: run LICENSOR_WRITE_VECTORS=1 ./run test " \
                             "tests/verify/test_file_vectors.py"
    assert VECTORS.read_text(encoding="utf-8") == text, (
        f"{VECTORS} differs from what the signer makes now: if the change is deliberate, run "
        "LICENSOR_WRITE_VECTORS=1 ./run test tests/verify/test_file_vectors.py and commit it")


def test_licensor_verify_gives_every_expected_code() -> None:
    vectors = build()
    keys = vectors["signing_keys"]  # the /v1/signing-keys answer itself, as an app saves it
    codes = set()
    for case in vectors["license_files"]:
        check = verify_license_file(case["document"], keys, license_key=case["license_key"],
                                    fingerprint=case["fingerprint"], now=case["now"])
        assert check.code == case["expect"]["code"], case["name"]
        assert (check.license or {}).get("id") == case["expect"]["license_id"], case["name"]
        codes.add(check.code)
    assert codes == {"VALID", "EXPIRED", "BAD_SIGNATURE", "UNKNOWN_KEY",
                     "FINGERPRINT_MISMATCH", "DECRYPTION_FAILED", "MALFORMED"}
    for case in vectors["artifacts"]:
        data = base64.b64decode(case["data"])
        assert verify_artifact(data, case["artifact"], keys) == case["expect"], case["name"]
        chunks = [data[i:i + 100] for i in range(0, len(data), 100)]
        assert verify_artifact(chunks, case["artifact"], keys) == case["expect"], case["name"]
