"""Shared test vectors: clients/js/test/vectors.json is made here from the real signer (the
key encoding, signed_answers.sign_with, revocations.build_document) with fixed keys and times;
licensor.verify must give every expected code, the committed file must be exactly what this
makes, and the JavaScript verifier (node --test in clients/js) must give the same codes.

After a deliberate change: LICENSOR_WRITE_VECTORS=1 ./run test tests/verify/test_vectors.py
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from nacl.signing import SigningKey

from licensor.core.signed_answers import sign_with
from licensor.core.signing import kid_for
from licensor.licenses.revocations.service import build_document
from licensor.verify import (
    Claims,
    Verifier,
    encode_claims,
    format_key,
    key_bytes,
    normalize_license_name,
    public_keys_from_json,
)
from licensor.verify.answers import header_value, signed_message
from licensor.verify.revocations import FORMAT, encode_base64url

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "clients" / "js"
VECTORS = JS / "test" / "vectors.json"

ACTIVE = SigningKey(bytes(range(32)))
OLDER = SigningKey(bytes(range(32, 64)))  # "verifying": still trusted
RETIRED = SigningKey(bytes(range(64, 96)))
IMPOSTOR = SigningKey(b"\x07" * 32)  # not the vendor's
KID, OLDER_KID, RETIRED_KID = (kid_for(bytes(k.verify_key)) for k in (ACTIVE, OLDER, RETIRED))
NOW = 1_780_000_000  # 2026-05-28T20:26:40Z: the app's clock in every vector
ISSUED = datetime(2026, 5, 28, 20, 26, 0, tzinfo=UTC)
LIC_A, LIC_B, LIC_REVOKED = "lic_" + "0a" * 16, "lic_" + "0b" * 16, "lic_" + "ee" * 16


def rfc3339(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def signing_keys() -> dict[str, Any]:
    def entry(key: SigningKey, kid: str, status: str) -> dict[str, str]:
        return {"kid": kid, "algorithm": "Ed25519", "status": status,
                "public_key": base64.b64encode(bytes(key.verify_key)).decode()}
    return {"data": [entry(OLDER, OLDER_KID, "verifying"), entry(ACTIVE, KID, "active"),
                     entry(RETIRED, RETIRED_KID, "retired")]}


def key(name: str, *, license_id: str = LIC_A, product: str = "desktop", seats: int | None = 5,
        maintenance: int | None = 1_800_000_000, major: int | None = 3,
        signer: SigningKey = ACTIVE, kid: str = KID) -> str:
    claims = Claims(license_id=license_id, product=product, seats=seats, issued_at=1_770_000_000,
                    kid=kid, maintenance_until=maintenance, major_version=major)
    message = encode_claims(claims, name)
    return format_key(message + signer.sign(message).signature)


def key_with_digest(digest: bytes) -> str:
    """A key whose name digest is `digest`, whatever name it came from (an older server's)."""
    claims = Claims(license_id=LIC_A, product="desktop", seats=5, issued_at=1_770_000_000,
                    kid=KID, maintenance_until=1_800_000_000, major_version=3)
    message = bytearray(encode_claims(claims, "Acme Inc"))
    message[21:29] = digest
    return format_key(bytes(message) + ACTIVE.sign(bytes(message)).signature)


def messy(text: str) -> str:
    """A key as people type it: lower case, 0/1/8 for O/I/B, spaces and odd dashes, a line
    break, a non-breaking space."""
    text = text.lower().replace("o", "0").replace("i", "1").replace("b", "8")
    groups = text.split("-")
    return ("  " + " ".join(groups[:4]) + "\u2013" + "\u00a0".join(groups[4:8]) + "\r\n"
            + "_".join(groups[8:]) + "\t")


def tamper(text: str, at: int = 30) -> str:
    letter = "B" if text[at] != "B" else "C"
    return text[:at] + letter + text[at + 1:]


def revocation_list(*, sequence: int = 7, licenses: list[str] | None = None,
                    issued: datetime = ISSUED, signer: SigningKey = ACTIVE,
                    kid: str = KID) -> str:
    return build_document(kid, signer, issued, sequence,
                          [LIC_REVOKED] if licenses is None else licenses)


def key_vectors(current_list: str, stale_list: str) -> list[dict[str, Any]]:
    valid = key("Acme Inc")
    out: list[dict[str, Any]] = []

    def add(name: str, license_name: str, license_key: str, code: str, *,
            product: str | None = None, revocations: str | None = None) -> None:
        out.append({"name": name, "license_name": license_name, "license_key": license_key,
                    "product": product, "revocation_list": revocations, "expect": code})

    add("valid", "Acme Inc", valid, "VALID")
    add("valid, product expected", "Acme Inc", valid, "VALID", product="desktop")
    add("unlimited seats, no maintenance, no major version", "Solo",
        key("Solo", seats=None, maintenance=None, major=None, product="jira-server"), "VALID")
    add("signed by an older key still trusted", "Acme Inc",
        key("Acme Inc", signer=OLDER, kid=OLDER_KID), "VALID")
    add("messy typing", "Acme Inc", messy(valid), "VALID")
    add("pasted with base32 padding", "Acme Inc",
        base64.b32encode(key_bytes(valid)).decode("ascii"), "VALID")
    add("name typed differently", "  ＡＣＭＥ\u3000 inc\n", valid, "VALID")
    add("name with ß and final sigma", "STRASSE ΟΔΟΣ gmbh",
        key("Straße οδος GmbH"), "VALID")
    add("wrong name", "Acme Ltd", valid, "NAME_MISMATCH")
    # Signed for a name with U+A7CB (assigned in Unicode 16): outside the pinned Unicode 14.0,
    # it never matches, whatever the runtime's tables make of it.
    add("name outside Unicode 14.0", "Rams\ua7cb Ltd", key_with_digest(
        hashlib.sha256(normalize_license_name("Rams\ua7cb Ltd").encode()).digest()[:8]),
        "NAME_MISMATCH")
    add("tampered", "Acme Inc", tamper(valid), "BAD_SIGNATURE")
    add("tampered signature", "Acme Inc", tamper(valid, len(valid) - 3), "BAD_SIGNATURE")
    add("forged with the vendor's kid", "Acme Inc", key("Acme Inc", signer=IMPOSTOR),
        "BAD_SIGNATURE")
    add("unknown key", "Acme Inc", key("Acme Inc", signer=IMPOSTOR, kid="0badc0de"),
        "UNKNOWN_KEY")
    add("retired key", "Acme Inc", key("Acme Inc", signer=RETIRED, kid=RETIRED_KID),
        "UNKNOWN_KEY")
    add("wrong product", "Acme Inc", valid, "PRODUCT_MISMATCH", product="confluence-server")
    for label, text in (("not base32", "hello world!"), ("empty", ""), ("too short", "AAAA-BBBB"),
                        ("impossible length", valid.replace("-", "")[:-1]),
                        ("truncated", valid[:-8]), ("too long", "A" * 1100),
                        ("bad padding", valid.replace("-", "") + "=" * 9),
                        ("padding inside", valid[:20] + "=" + valid[20:])):
        add(f"malformed: {label}", "Acme Inc", text, "MALFORMED")
    revoked = key("Leaked Co", license_id=LIC_REVOKED)
    add("revoked, listed in a current list", "Leaked Co", revoked, "REVOKED",
        revocations=current_list)
    add("revoked, listed in a stale list (still applied)", "Leaked Co", revoked, "REVOKED",
        revocations=stale_list)
    add("revoked, but no list given", "Leaked Co", revoked, "VALID")
    add("not listed", "Acme Inc", valid, "VALID", revocations=current_list)
    return out


def answer_vectors() -> list[dict[str, Any]]:
    validate, updates = "/v1/licenses/validate", "/v1/updates/check"
    issued = rfc3339(NOW - 2)
    verdict = {"valid": True, "code": "VALID", "license": {
        "id": LIC_A, "product": "desktop", "seats": 5, "status": "active",
        "maintenance_until": "2027-01-15T08:00:00Z", "major_version": 3, "superseded_by": None}}
    body, signature = sign_with(KID, ACTIVE, validate, dict(verdict), "n-8f3a", issued)
    update_body, update_signature = sign_with(
        KID, ACTIVE, updates, {"version": "3.1.0", "allowed": True, "reason": "ALLOWED",
                               "latest_allowed": "3.1.0", "latest": "4.0.0",
                               "maintenance_until": "2027-01-15T08:00:00Z",
                               "note": "Grüße"}, "u-1", issued)
    no_nonce, no_nonce_signature = sign_with(KID, ACTIVE, validate, dict(verdict), None, issued)
    old_body, old_signature = sign_with(KID, ACTIVE, validate, dict(verdict), "n-8f3a",
                                        rfc3339(NOW - 60 - 300 - 1))
    edge_body, edge_signature = sign_with(KID, ACTIVE, validate, dict(verdict), "n-8f3a",
                                          rfc3339(NOW - 60 - 300))
    future_body, future_signature = sign_with(KID, ACTIVE, validate, dict(verdict), "n-8f3a",
                                              rfc3339(NOW + 300 + 1))
    _, forged = sign_with(KID, IMPOSTOR, validate, dict(verdict), "n-8f3a", issued)
    _, unknown = sign_with("0badc0de", IMPOSTOR, validate, dict(verdict), "n-8f3a", issued)
    older_body, older_signature = sign_with(OLDER_KID, OLDER, validate, dict(verdict), "n-8f3a",
                                            issued)

    def raw_signed(raw: bytes) -> str:
        return header_value(KID, ACTIVE.sign(signed_message(validate, raw)).signature)

    not_json = b"VALID"
    bad_time = json.dumps({**verdict, "issued_at": "yesterday", "nonce": "n-8f3a"}).encode()
    out: list[dict[str, Any]] = []

    def add(name: str, path: str, raw: bytes, header: str | None, nonce: str | None,
            code: str, max_age: int = 60) -> None:
        out.append({"name": name, "path": path, "body": raw.decode("utf-8"),
                    "signature": header, "nonce": nonce, "now": NOW, "max_age": max_age,
                    "expect": code})

    add("verified", validate, body, signature, "n-8f3a", "VERIFIED")
    add("update check, non-ASCII body", updates, update_body, update_signature, "u-1",
        "VERIFIED")
    add("no nonce sent, none echoed", validate, no_nonce, no_nonce_signature, None, "VERIFIED")
    add("signed by an older key still trusted", validate, older_body, older_signature,
        "n-8f3a", "VERIFIED")
    add("replayed: another request's nonce", validate, body, signature, "n-0000",
        "NONCE_MISMATCH")
    add("nonce sent, answer without one", validate, no_nonce, no_nonce_signature, "n-8f3a",
        "NONCE_MISMATCH")
    add("edited body", validate, body.replace(b'"seats":5', b'"seats":500'), signature,
        "n-8f3a", "BAD_SIGNATURE")
    add("forged: another key, the vendor's kid", validate, body, forged, "n-8f3a",
        "BAD_SIGNATURE")
    add("forged: unknown kid", validate, body, unknown, "n-8f3a", "UNKNOWN_KEY")
    add("answer of another endpoint", validate, update_body, update_signature, "u-1",
        "WRONG_PATH")
    add("too old", validate, old_body, old_signature, "n-8f3a", "TOO_OLD")
    add("just old enough (max age + drift)", validate, edge_body, edge_signature, "n-8f3a",
        "VERIFIED")
    add("from the future", validate, future_body, future_signature, "n-8f3a",
        "FROM_THE_FUTURE")
    add("no signature header", validate, body, None, "n-8f3a", "MISSING_SIGNATURE")
    add("unknown scheme", validate, body, "v2" + signature[2:], "n-8f3a",
        "MALFORMED_SIGNATURE")
    add("signature without padding", validate, body, signature.rstrip("="), "n-8f3a",
        "MALFORMED_SIGNATURE")
    add("signed, not JSON", validate, not_json, raw_signed(not_json), None, "MALFORMED_ANSWER")
    add("signed, issued_at unreadable", validate, bad_time, raw_signed(bad_time), "n-8f3a",
        "MALFORMED_ANSWER")
    return out


def list_vectors(current: str, stale: str) -> list[dict[str, Any]]:
    document = json.loads(current)
    padded_text = document["payload"] + "=" * (-len(document["payload"]) % 4)
    padded = {**document, "payload": padded_text, "signature": base64.b64encode(
        ACTIVE.sign(padded_text.encode()).signature).decode()}
    not_json_text = encode_base64url(b"not json")
    not_json = {**document, "payload": not_json_text, "signature": base64.b64encode(
        ACTIVE.sign(not_json_text.encode()).signature).decode()}
    edited = {**document, "payload": encode_base64url(json.dumps({
        "issued_at": "2026-05-28T20:26:00Z", "next_update": "2026-06-04T20:26:00Z",
        "sequence": 7, "licenses": []}, separators=(",", ":")).encode())}
    out: list[dict[str, Any]] = []

    def add(name: str, doc: str | dict[str, Any], code: str, *, now: int = NOW,
            last_sequence: int | None = None, sequence: int | None = None,
            licenses: list[str] | None = None) -> None:
        out.append({"name": name, "document": doc if isinstance(doc, str) else json.dumps(doc),
                    "now": now, "last_sequence": last_sequence,
                    "expect": {"code": code, "sequence": sequence, "licenses": licenses}})

    add("current", current, "CURRENT", sequence=7, licenses=[LIC_REVOKED])
    add("current, same sequence as seen before", current, "CURRENT", last_sequence=7,
        sequence=7, licenses=[LIC_REVOKED])
    add("rolled back: older than one seen before", current, "ROLLED_BACK", last_sequence=8)
    add("stale: past next_update plus grace", stale, "STALE", sequence=3,
        licenses=[LIC_REVOKED])
    add("just within grace", current, "CURRENT", now=NOW + 14 * 86400 - 60, sequence=7,
        licenses=[LIC_REVOKED])
    add("edited payload", edited, "BAD_SIGNATURE")
    add("signed by another key with the vendor's kid",
        revocation_list(signer=IMPOSTOR), "BAD_SIGNATURE")
    add("unknown kid", revocation_list(signer=IMPOSTOR, kid="0badc0de"), "UNKNOWN_KEY")
    add("retired kid", revocation_list(signer=RETIRED, kid=RETIRED_KID), "UNKNOWN_KEY")
    add("another format", {**document, "format": "licensor-revocations-v2"}, "MALFORMED")
    add("not JSON", "revoked: everything", "MALFORMED")
    add("signed payload that is not JSON", not_json, "MALFORMED")
    add("padded payload, signed as such", padded, "CURRENT", sequence=7,
        licenses=[LIC_REVOKED])
    add("empty list", revocation_list(sequence=1, licenses=[]), "CURRENT", sequence=1,
        licenses=[])
    return out


def name_vectors() -> dict[str, Any]:
    samples = ["Acme Inc", "  ACME\t\tInc  ", "Ａｃｍｅ Inc", "Zoë & Søn Ltd", "STRASSE",
               "Straße", "ΟΔΟΣ", "ﬁrma ﬂow", "İstanbul A.Ş.", "\u1e9e", "a\u00a0b\u2003c",
               "x\x1cy\x85z", "Ꭰ ꭰ", "µ", "ǅ", "e\u0301", "\u212b"]
    # Every code point that normalization changes (white space aside), as one compact text:
    # lines of "<character>\t<normalized>".
    characters = "\n".join(f"{chr(cp)}\t{normalize_license_name(chr(cp))}"
                           for cp in range(sys.maxunicode + 1)
                           if not 0xD800 <= cp <= 0xDFFF and not chr(cp).isspace()
                           and normalize_license_name(chr(cp)) != chr(cp))
    return {"samples": [[s, normalize_license_name(s)] for s in samples],
            "characters": characters}


def build() -> dict[str, Any]:
    current = revocation_list()
    stale = revocation_list(sequence=3, issued=datetime(2026, 5, 1, tzinfo=UTC))
    return {
        "about": "Generated by tests/verify/test_vectors.py from Licensor's signer; do not edit.",
        "signing_keys": signing_keys(),
        "format": FORMAT,
        "keys": key_vectors(current, stale),
        "answers": answer_vectors(),
        "revocation_lists": list_vectors(current, stale),
        "names": name_vectors(),
    }


def render(vectors: dict[str, Any]) -> str:
    return json.dumps(vectors, ensure_ascii=False, indent=1) + "\n"


def test_the_committed_vectors_are_what_the_signer_makes() -> None:
    text = render(build())
    if os.environ.get("LICENSOR_WRITE_VECTORS") == "1":
        VECTORS.write_text(text, encoding="utf-8")
    assert VECTORS.exists(), f"{VECTORS} is missing: run LICENSOR_WRITE_VECTORS=1 ./run test " \
                             "tests/verify/test_vectors.py"
    assert VECTORS.read_text(encoding="utf-8") == text, (
        f"{VECTORS} differs from what the signer makes now: if the change is deliberate, run "
        "LICENSOR_WRITE_VECTORS=1 ./run test tests/verify/test_vectors.py and commit it")


def test_licensor_verify_gives_every_expected_code() -> None:
    vectors = build()
    verifier = Verifier(public_keys_from_json(vectors["signing_keys"]))
    for case in vectors["keys"]:
        revocations = None
        if case["revocation_list"] is not None:
            revocations = verifier.check_revocation_list(case["revocation_list"],
                                                         now=NOW).revocations
        verdict = verifier.verify(case["license_name"], case["license_key"], case["product"],
                                  revocations=revocations)
        assert verdict.code == case["expect"], case["name"]
        if verdict.code == "VALID":
            assert verdict.claims is not None and asdict(verdict.claims)
    for case in vectors["answers"]:
        check = verifier.verify_answer(path=case["path"], body=case["body"].encode(),
                                       signature=case["signature"], nonce=case["nonce"],
                                       now=case["now"], max_age=case["max_age"])
        assert check.code == case["expect"], case["name"]
    for case in vectors["revocation_lists"]:
        result = verifier.check_revocation_list(case["document"], now=case["now"],
                                                last_sequence=case["last_sequence"])
        assert result.code == case["expect"]["code"], case["name"]
        listed = result.revocations
        assert (listed.sequence if listed else None) == case["expect"]["sequence"], case["name"]
        assert (sorted(listed.licenses) if listed else None) == case["expect"]["licenses"]
    for text, normalized in vectors["names"]["samples"]:
        assert normalize_license_name(text) == normalized


@pytest.mark.skipif(shutil.which("node") is None or shutil.which("npm") is None,
                    reason="Node.js (node and npm, version 20 or later) is not installed: the "
                    "JavaScript verifier in clients/js is not tested")
def test_the_javascript_verifier_gives_the_same_codes() -> None:
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=JS,
                   check=True, capture_output=True, timeout=300)
    result = subprocess.run(["node", "--test", "test/"], cwd=JS, capture_output=True, text=True,
                            check=False,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
