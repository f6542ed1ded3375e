"""License files: a signed (optionally encrypted) copy of a license for a machine without
internet, valid for a TTL, optionally bound to one machine's fingerprint. licensor.verify
checks them (verify/files.py, where the format is described)."""

from __future__ import annotations

import base64
import json
import os
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from nacl.signing import SigningKey
from sqlalchemy.orm import Session

from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.web.views import iso
from licensor.licenses import service as licenses
from licensor.verify.files import (
    ENCRYPTED,
    LICENSE_FILE_FORMAT,
    NONCE_BYTES,
    PLAIN,
    content_key,
)
from licensor.verify.revocations import encode_base64url

MIN_TTL = 3600  # an hour
MAX_TTL = 365 * 24 * 3600  # a year
DEFAULT_TTL = 30 * 24 * 3600  # 30 days


def check_ttl(ttl: int | None) -> int:
    if ttl is None:
        return DEFAULT_TTL
    if not MIN_TTL <= ttl <= MAX_TTL:
        raise LicensorError("INVALID_TTL", f"ttl is in seconds, from {MIN_TTL} (an hour) to "
                            f"{MAX_TTL} (a year); leave it out for {DEFAULT_TTL} (30 days).",
                            {"ttl": ttl, "min": MIN_TTL, "max": MAX_TTL})
    return ttl


def build_license_file(kid: str, signer: SigningKey, license_view: dict[str, Any],
                       issued_at: datetime, ttl: int, fingerprint: str | None,
                       license_key: str | None = None, nonce: bytes | None = None
                       ) -> dict[str, str]:
    """The document; encrypted when `license_key` is given (`nonce` fixed only by tests)."""
    issued_at = issued_at.replace(microsecond=0)
    body = json.dumps({"license": license_view, "issued_at": iso(issued_at),
                       "expires_at": iso(issued_at + timedelta(seconds=ttl)),
                       "fingerprint": fingerprint},
                      separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if license_key is not None:
        nonce = nonce if nonce is not None else os.urandom(NONCE_BYTES)
        body = nonce + AESGCM(content_key(license_key, fingerprint)).encrypt(nonce, body, None)
    payload = encode_base64url(body)
    signature = base64.b64encode(signer.sign(payload.encode("ascii")).signature).decode("ascii")
    return {"format": LICENSE_FILE_FORMAT, "kid": kid,
            "alg": ENCRYPTED if license_key is not None else PLAIN,
            "payload": payload, "signature": signature}


def checkout(ctx: Context, session: Session, license_name: str, license_key: str, *,
             ttl: int | None, fingerprint: str | None, encrypt: bool,
             now: datetime) -> dict[str, str]:
    """A license file of this License Information, which must be the license's current key
    (409 LICENSE_SUPERSEDED otherwise: the file would carry an old copy)."""
    seconds = check_ttl(ttl)
    row = licenses.current_license(ctx, session, license_name, license_key)
    view = {"id": row.id, "product": row.product, "seats": row.seats,
            "license_name": row.license_name, "status": row.status,
            "maintenance_until": iso(row.maintenance_until), "major_version": row.major_version}
    kid, signer = ctx.keyring.signer(session)
    return build_license_file(kid, signer, view, now, seconds, fingerprint,
                              row.license_key if encrypt else None)
