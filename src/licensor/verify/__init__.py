"""Offline verification of License Information (License Name + License Key).

Importable by a vendor's app without the server: it needs only PyNaCl. The server's
online validation calls the same `Verifier`, so offline and online verdicts on the
signature never disagree. The format is documented in docs/key-format.md.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import functools
import hashlib
import struct
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from nacl.bindings import crypto_sign_BYTES, crypto_sign_open
from nacl.exceptions import BadSignatureError

# Signed answers and revocation lists, re-exported: an app imports everything from here.
from licensor.verify import answers, unicode14
from licensor.verify.answers import AnswerCheck, verify_answer  # noqa: F401

# License files and release artifacts (verify/files.py), re-exported likewise.
from licensor.verify.files import (  # noqa: F401
    LicenseFileCheck,
    verify_artifact,
    verify_license_file,
)
from licensor.verify.revocations import (
    DEFAULT_GRACE,
    RevocationList,
    RevocationListCheck,
    check_revocation_list,
)

FORMAT_VERSION = 1
SIGNATURE_BYTES = crypto_sign_BYTES  # 64
# version, kid, license id, name digest, issued_at, seats, maintenance end, major version, len
_HEADER = struct.Struct(">B4s16s8sIIIHB")
UNLIMITED = 0xFFFFFFFF
# Times in a key are 4-byte Unix seconds; a maintenance end of 0 means "none".
EARLIEST_KEY_TIME = 1  # 1970-01-01T00:00:01Z
LATEST_KEY_TIME = 0xFFFFFFFF  # 2106-02-07T06:28:15Z
GROUP = 5

# Codes of a verdict: the same as the online validate answer's, so an app handles both alike.
VALID = "VALID"
MALFORMED = "MALFORMED"
UNKNOWN_KEY = "UNKNOWN_KEY"
BAD_SIGNATURE = "BAD_SIGNATURE"
NAME_MISMATCH = "NAME_MISMATCH"
PRODUCT_MISMATCH = "PRODUCT_MISMATCH"
REVOKED = "REVOKED"  # offline: listed in a signed revocation list (revocations.py)

# People type keys: case does not matter, and digits that look like letters are read as them.
_TYPED = str.maketrans({"0": "O", "1": "I", "8": "B"})
_IGNORED = str.maketrans("", "", " \t\r\n-_\u00a0\u2010\u2011\u2012\u2013\u2014")


@dataclass(frozen=True, slots=True)
class Claims:
    """What a License Key says, once its signature has been checked."""

    license_id: str
    product: str
    seats: int | None  # None = unlimited
    issued_at: int  # Unix seconds, UTC
    kid: str
    maintenance_until: int | None  # Unix seconds, UTC; None = product without maintenance
    major_version: int | None


@dataclass(frozen=True, slots=True)
class Verdict:
    code: str
    claims: Claims | None = None

    @property
    def valid(self) -> bool:
        return self.code == VALID


class MalformedKey(ValueError):
    pass


def normalize_license_name(name: str) -> str:
    """The form of a License Name that a key is bound to: NFKC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _unicode_14_ranges() -> tuple[list[int], list[int]]:
    """First and last code points of each range of the shipped Unicode 14.0 table."""
    firsts, lasts = [], []
    for word in unicode14.ASSIGNED.split():
        first, _, last = word.partition("-")
        firsts.append(int(first, 16))
        lasts.append(int(last or first, 16))
    return firsts, lasts


_FIRSTS, _LASTS = _unicode_14_ranges()
_FIRST_GAP = chr(_LASTS[0] + 1)  # U+0378: below it every code point is assigned


def unassigned_character(name: str) -> str | None:
    """The first character of `name` that Unicode 14.0 does not assign (or a lone surrogate).

    A License Name is bound by its normalization, which follows the runtime's Unicode tables:
    a character assigned later normalizes one way where the tables know it (Node's ICU) and
    another where they do not (Python 3.11), and could change with an upgrade. Characters
    assigned in 14.0 normalize alike in every later version (Unicode's stability policies), so
    a name made only of them has the same digest in every verifier; any other name is refused
    at issue and never matches."""
    if name.isascii() or max(name) < _FIRST_GAP:  # the common case, at C speed
        return None
    for character in name:
        if character < _FIRST_GAP:
            continue
        code_point = ord(character)
        at = bisect.bisect_right(_FIRSTS, code_point) - 1
        if at < 0 or code_point > _LASTS[at]:
            return character
    return None


@functools.lru_cache(maxsize=4096)
def name_digest(name: str) -> bytes:
    """The name digest of a key; ValueError for a name outside Unicode 14.0 (it has none).
    Remembered for the last 4,096 names: the same License Name is checked at every launch of
    its app, and the digest is a pure function of the name (an error is never remembered)."""
    character = unassigned_character(name)
    if character is not None:
        raise ValueError(f"U+{ord(character):04X} is not a character of Unicode "
                         f"{unicode14.VERSION}: a License Name cannot contain it")
    return hashlib.sha256(normalize_license_name(name).encode("utf-8")).digest()[:8]


def license_id_bytes(license_id: str) -> bytes:
    if not license_id.startswith("lic_") or len(license_id) != 36:
        raise ValueError(f"not a license id: {license_id!r}")
    return bytes.fromhex(license_id[4:])


def encode_claims(claims: Claims, license_name: str) -> bytes:
    """The signed part of a key (everything but the signature)."""
    product = claims.product.encode("ascii")
    if len(product) > 255:
        raise ValueError("product code too long")
    header = _HEADER.pack(
        FORMAT_VERSION, bytes.fromhex(claims.kid), license_id_bytes(claims.license_id),
        name_digest(license_name), claims.issued_at,
        UNLIMITED if claims.seats is None else claims.seats,
        claims.maintenance_until or 0, claims.major_version or 0, len(product))
    return header + product


def format_key(raw: bytes) -> str:
    """Base32 text in dash-separated groups of five, as printed in the License Information."""
    text = base64.b32encode(raw).decode("ascii").rstrip("=")
    return "-".join(text[i:i + GROUP] for i in range(0, len(text), GROUP))


def key_bytes(license_key: str) -> bytes:
    """The raw bytes of a typed or pasted key; raises MalformedKey."""
    if not isinstance(license_key, str):
        raise MalformedKey("a License Key is text")
    if not license_key.isascii() or "=" in license_key:  # pasted with base32 padding
        return _key_bytes_unicode(license_key)
    # Validation's hot path: base64.b32decode is pure Python (~16 µs a key); one C-level
    # translate into int()'s base-32 digits and int.to_bytes decode the same bytes in ~1 µs.
    digits = license_key.translate(_ASCII_TO_DIGITS)
    length = len(digits)
    if not length or length > 1024:
        raise MalformedKey("empty or far too long")
    if length % 8 in (1, 3, 6):  # lengths that no whole number of bytes encodes
        raise MalformedKey("Incorrect padding")
    try:
        value = int(digits, 32)
    except ValueError:
        raise MalformedKey("Non-base32 digit found") from None
    size = length * 5 // 8
    return (value >> (length * 5 - size * 8)).to_bytes(size, "big")


def _key_bytes_unicode(license_key: str) -> bytes:
    """The general form (non-ASCII dashes and spaces, letters that upper-case to ASCII, padding)."""
    text = license_key.translate(_IGNORED).upper().translate(_TYPED)
    if not text or len(text) > 1024:
        raise MalformedKey("empty or far too long")
    try:
        return base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError) as exc:
        raise MalformedKey(str(exc)) from None


def _ascii_to_digits() -> dict[int, str | None]:
    """ASCII → int(…, 32) digits: RFC 4648 base32 letters either case, typed look-alikes, the
    ignored separators dropped, and every other character mapped to '!' (which int() refuses)."""
    alphabet, digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789abcdefghijklmnopqrstuv"
    table: dict[int, str | None] = {code: "!" for code in range(128)}
    for letter, digit in zip(alphabet, digits, strict=True):
        table[ord(letter)] = table[ord(letter.lower())] = digit
    for typed, meant in (("0", "O"), ("1", "I"), ("8", "B")):
        table[ord(typed)] = digits[alphabet.index(meant)]
    for ignored in " \t\r\n-_":
        table[ord(ignored)] = None
    return table


_ASCII_TO_DIGITS = _ascii_to_digits()


def parse(raw: bytes) -> tuple[bytes, bytes, Claims, bytes]:
    """Split raw key bytes into (signed message, signature, claims, name digest)."""
    if len(raw) < _HEADER.size + SIGNATURE_BYTES:
        raise MalformedKey("too short")
    (version, kid, lic, digest, issued, seats, maint, major, plen) = _HEADER.unpack_from(raw)
    if version != FORMAT_VERSION:
        raise MalformedKey(f"unknown format version {version}")
    end = _HEADER.size + plen
    if len(raw) != end + SIGNATURE_BYTES:
        raise MalformedKey("wrong length")
    try:
        product = raw[_HEADER.size:end].decode("ascii")
    except UnicodeDecodeError:
        raise MalformedKey("product code is not ASCII") from None
    claims = Claims(
        license_id="lic_" + lic.hex(), product=product,
        seats=None if seats == UNLIMITED else seats, issued_at=issued, kid=kid.hex(),
        maintenance_until=maint or None, major_version=major or None)
    return raw[:end], raw[end:], claims, digest


class Verifier:
    """Checks License Information against a set of public keys (kid → 32-byte Ed25519 key)."""

    def __init__(self, public_keys: Mapping[str, bytes] | Iterable[tuple[str, bytes]]) -> None:
        items = public_keys.items() if isinstance(public_keys, Mapping) else public_keys
        self._keys: dict[str, bytes] = {kid: bytes(pk) for kid, pk in items}

    @property
    def kids(self) -> frozenset[str]:
        return frozenset(self._keys)

    def verify(self, license_name: str, license_key: str, product: str | None = None, *,
               revocations: RevocationList | None = None) -> Verdict:
        """The verdict on License Information; with a revocation list (one that
        `check_revocation_list` accepted), a key it lists is REVOKED."""
        try:
            message, signature, claims, digest = parse(key_bytes(license_key))
        except MalformedKey:
            return Verdict(MALFORMED)
        public_key = self._keys.get(claims.kid)
        if public_key is None:
            return Verdict(UNKNOWN_KEY)
        try:
            crypto_sign_open(signature + message, public_key)
        except BadSignatureError:
            return Verdict(BAD_SIGNATURE)
        try:
            typed = name_digest(license_name)
        except ValueError:  # a name outside Unicode 14.0 matches no key
            return Verdict(NAME_MISMATCH, claims)
        if digest != typed:
            return Verdict(NAME_MISMATCH, claims)
        if product is not None and product != claims.product:
            return Verdict(PRODUCT_MISMATCH, claims)
        if revocations is not None and claims.license_id in revocations:
            return Verdict(REVOKED, claims)
        return Verdict(VALID, claims)

    def verify_answer(self, *, path: str, body: bytes, signature: str | None,
                      nonce: str | None, now: float,
                      max_age: float = answers.DEFAULT_MAX_AGE) -> AnswerCheck:
        """Was this answer signed by the vendor's server, for this request, recently?
        See `answers.verify_answer`."""
        return answers.verify_answer(self._keys, path=path, body=body, signature=signature,
                                     nonce=nonce, now=now, max_age=max_age)

    def check_revocation_list(self, document: Mapping[str, object] | str | bytes, *,
                              now: float, last_sequence: int | None = None,
                              grace: float = DEFAULT_GRACE) -> RevocationListCheck:
        """See `revocations.check_revocation_list`."""
        return check_revocation_list(self._keys, document, now=now, last_sequence=last_sequence,
                                     grace=grace)


def verify(license_name: str, license_key: str, public_keys: Mapping[str, bytes],
           product: str | None = None, *, revocations: RevocationList | None = None) -> Verdict:
    """One-shot form of `Verifier(public_keys).verify(...)`."""
    return Verifier(public_keys).verify(license_name, license_key, product,
                                        revocations=revocations)


def public_keys_from_json(document: Mapping[str, object]) -> dict[str, bytes]:
    """Public keys from the server's `GET /v1/signing-keys` answer (retired keys left out)."""
    keys: dict[str, bytes] = {}
    items = document.get("data", [])
    if not isinstance(items, list):
        raise TypeError('expected {"data": [...]} as served by GET /v1/signing-keys')
    for item in items:
        if isinstance(item, Mapping) and item.get("status") != "retired":
            keys[str(item["kid"])] = base64.b64decode(str(item["public_key"]))
    return keys
