"""`POST /v1/licenses/checkout`: a license file for a machine without internet."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from licensor.core.web.deps import Ctx, ReadSession, now_for
from licensor.core.web.openapi import Answer, example, refusals
from licensor.releases.license_files import service as license_files

router = APIRouter(prefix="/v1/licenses", tags=["licenses"])


class CheckoutBody(BaseModel):
    license_name: str = Field(max_length=1000)
    license_key: str = Field(max_length=4096)
    ttl: int | None = Field(default=None, description="Seconds the file is valid, 3600 to "
                            "31536000 (default 2592000, 30 days)")
    fingerprint: str | None = Field(default=None, min_length=1, max_length=256,
                                    pattern=r"^[^\x00]*$",
                                    description="Binds the file to one machine")
    encrypt: bool = False

    model_config = {"json_schema_extra": {"examples": [
        {"license_name": "Acme Inc", "license_key": "eJx...signed...", "ttl": 2592000,
         "fingerprint": "machine-7f3a", "encrypt": True}]}}


class LicenseFile(Answer):
    format: Literal["licensor-license-file-v1"]
    kid: str
    alg: Literal["ed25519", "aes-256-gcm+ed25519"]
    payload: str = Field(description="base64url of the JSON {license, issued_at, expires_at, "
                         "fingerprint}, or of a 12-byte nonce + its AES-256-GCM ciphertext")
    signature: str = Field(description="Base64 Ed25519 signature of the payload's ASCII text")

    model_config = example({"format": "licensor-license-file-v1", "kid": "a1b2c3d4",
                            "alg": "ed25519", "payload": "eyJsaWNlbnNlIjp7...",
                            "signature": "yPq2…base64…=="})


@router.post("/checkout", operation_id="checkoutLicenseFile",
             response_model=LicenseFile, responses=refusals(
    "INVALID_TTL", "INVALID_LICENSE", "LICENSE_REVOKED", "LICENSE_SUPERSEDED",
    "INVALID_REQUEST"))
def checkout(body: CheckoutBody, ctx: Ctx, session: ReadSession) -> dict[str, Any]:
    """A signed license file valid `ttl` seconds, optionally bound to a machine's
    `fingerprint` and encrypted with the License Key (see licensor.verify.verify_license_file)."""
    return license_files.checkout(ctx, session, body.license_name, body.license_key,
                                  ttl=body.ttl, fingerprint=body.fingerprint,
                                  encrypt=body.encrypt, now=now_for(ctx, session))
