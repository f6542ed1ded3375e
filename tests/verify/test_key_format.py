"""License Keys: signed claims bound to the License Name, tolerant of how people type them."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey

from licensor.verify import (
    BAD_SIGNATURE,
    MALFORMED,
    NAME_MISMATCH,
    PRODUCT_MISMATCH,
    UNKNOWN_KEY,
    VALID,
    Claims,
    Verifier,
    encode_claims,
    format_key,
    key_bytes,
    normalize_license_name,
    public_keys_from_json,
    unassigned_character,
    verify,
)

SK = SigningKey(b"\x01" * 32)
KID = "0a0b0c0d"
KEYS = {KID: bytes(SK.verify_key)}
CLAIMS = Claims(license_id="lic_" + "ab" * 16, product="desktop", seats=5,
                issued_at=1_430_000_000, kid=KID, maintenance_until=None, major_version=3)


def make_key(claims: Claims = CLAIMS, name: str = "Acme Inc", sk: SigningKey = SK) -> str:
    message = encode_claims(claims, name)
    return format_key(message + sk.sign(message).signature)


def test_round_trip_returns_every_claim() -> None:
    verdict = verify("Acme Inc", make_key(), KEYS)
    assert verdict.code == VALID and verdict.valid
    assert verdict.claims == CLAIMS


def test_claims_with_maintenance_and_unlimited_seats() -> None:
    claims = Claims(license_id="lic_" + "cd" * 16, product="confluence-server", seats=None,
                    issued_at=1_430_000_000, kid=KID, maintenance_until=1_461_536_000,
                    major_version=None)
    assert verify("Acme Inc", make_key(claims), KEYS).claims == claims


@pytest.mark.parametrize("mangle", [
    str.lower,
    lambda k: k.replace("-", ""),
    lambda k: k.replace("-", " "),
    lambda k: "\n".join(k[i:i + 40] for i in range(0, len(k), 40)),
    lambda k: "  " + k.replace("-", "\r\n") + " \t",
    lambda k: k.replace("O", "0").replace("I", "1"),
    lambda k: k.replace("-", "\u2013"),  # an en dash an email client put in
])
def test_typed_keys_are_accepted(mangle) -> None:
    assert verify("Acme Inc", mangle(make_key()), KEYS).code == VALID


@pytest.mark.parametrize("name", ["acme inc", "  Acme   Inc ", "ACME INC", "Ａｃｍｅ Inc"])
def test_name_is_compared_case_and_space_insensitively(name: str) -> None:
    assert verify(name, make_key(), KEYS).code == VALID


def test_another_name_does_not_validate() -> None:
    assert verify("Acme Ltd", make_key(), KEYS).code == NAME_MISMATCH


def test_every_tampered_byte_is_refused() -> None:
    raw = key_bytes(make_key())
    for i in range(len(raw)):
        tampered = bytearray(raw)
        tampered[i] ^= 0x01
        code = verify("Acme Inc", format_key(bytes(tampered)), KEYS).code
        assert code in (BAD_SIGNATURE, MALFORMED, UNKNOWN_KEY), (i, code)
        assert code != VALID


def test_unknown_signing_key_and_product_mismatch() -> None:
    other = SigningKey(b"\x02" * 32)
    assert verify("Acme Inc", make_key(sk=other), KEYS).code == BAD_SIGNATURE
    assert verify("Acme Inc", make_key(), {"ffffffff": KEYS[KID]}).code == UNKNOWN_KEY
    assert verify("Acme Inc", make_key(), KEYS, product="jira-server").code == PRODUCT_MISMATCH


@pytest.mark.parametrize("garbage", ["", "----", "hello world", "A" * 2000, "AAAA-BBBB",
                                     "éèà", "\x00\x01", make_key()[:-5], make_key() + "AAAAA"])
def test_garbage_is_malformed(garbage: str) -> None:
    assert verify("Acme Inc", garbage, KEYS).code == MALFORMED


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_fuzzed_text_never_crashes_and_never_validates(text: str) -> None:
    assert Verifier(KEYS).verify("Acme Inc", text).code in (MALFORMED, UNKNOWN_KEY,
                                                            BAD_SIGNATURE)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=0, max_size=200))
def test_fuzzed_bytes_never_crash(raw: bytes) -> None:
    key = format_key(raw) if raw else "x"
    assert Verifier(KEYS).verify("Acme Inc", key).code != VALID


@settings(max_examples=100, deadline=None)
@given(name=st.text(min_size=1, max_size=80).filter(
           lambda s: s.strip() and unassigned_character(s) is None),
       seats=st.one_of(st.none(), st.integers(1, 10**6)),
       major=st.one_of(st.none(), st.integers(1, 999)))
def test_any_name_in_any_script_round_trips(name: str, seats: int | None,
                                            major: int | None) -> None:
    claims = Claims(license_id=CLAIMS.license_id, product="desktop", seats=seats,
                    issued_at=CLAIMS.issued_at, kid=KID, maintenance_until=None,
                    major_version=major)
    verdict = verify(name, make_key(claims, name), KEYS)
    assert verdict.code == VALID and verdict.claims == claims


@settings(max_examples=100, deadline=None)
@given(name=st.text(min_size=1, max_size=40), outside=st.sampled_from(
    ["\ua7cb", "\u0378", "\U0010ffff", "\ud800", "\U0001e030", "\U0002b739"]))
def test_a_name_outside_unicode_14_never_matches(name: str, outside: str) -> None:
    # Any key, even one whose digest is what this runtime makes of the name (an older server's)
    claims = Claims(license_id=CLAIMS.license_id, product="desktop", seats=1,
                    issued_at=CLAIMS.issued_at, kid=KID, maintenance_until=None, major_version=1)
    message = bytearray(encode_claims(claims, "Acme Inc"))
    message[21:29] = hashlib.sha256(normalize_license_name(name + outside).encode(
        "utf-8", "surrogatepass")).digest()[:8]
    key = format_key(bytes(message) + SK.sign(bytes(message)).signature)
    assert verify(name + outside, key, KEYS).code == NAME_MISMATCH


def test_public_keys_from_the_servers_answer() -> None:
    doc = {"data": [{"kid": KID, "algorithm": "Ed25519", "status": "active",
                     "public_key": base64.b64encode(KEYS[KID]).decode()},
                    {"kid": "deadbeef", "algorithm": "Ed25519", "status": "retired",
                     "public_key": base64.b64encode(b"\x00" * 32).decode()}]}
    assert public_keys_from_json(doc) == KEYS


def test_verifier_imports_without_the_server() -> None:
    code = ("import sys, licensor.verify; "
            "bad = [m for m in ('fastapi', 'sqlalchemy', 'pydantic', 'starlette') "
            "if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)
