"""JSON shapes of the licenses API (as /openapi.json gives them), built from rows. Times are RFC 3339 UTC with a Z."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from licensor.core.web.openapi import Answer, Timestamp, example
from licensor.licenses.enums import LicenseStatus

# -- answers ----------------------------------------------------------------------------------

REGISTRATION_EXAMPLE = {"id": "reg_8Jx2", "user": "ana@acme.example", "license_id": "lic_5fQ1",
                        "created_at": "2026-01-15T09:30:00Z"}
LICENSE_EXAMPLE = {
    "id": "lic_5fQ1", "product": "desktop", "seats": 5, "license_name": "Acme Inc",
    "license_key": "eJx...signed...", "email": "it@acme.example", "channel": "direct",
    "sen": None, "status": "active", "superseded_by": None, "supersedes": None,
    "maintenance_until": "2027-01-15T09:30:00Z", "major_version": 4,
    "purchased_at": "2026-01-15T09:30:00Z", "issued_at": "2026-01-15T09:30:00Z",
    "academic": False, "institution": None, "registrations": [REGISTRATION_EXAMPLE]}


class Registration(Answer):
    id: str
    user: str
    license_id: str
    created_at: Timestamp | None

    model_config = example(REGISTRATION_EXAMPLE)


class License(Answer):
    id: str
    product: str
    seats: int | None = Field(description="null for an unlimited tier")
    license_name: str
    license_key: str
    email: str
    channel: Literal["direct", "marketplace"]
    sen: str | None
    status: LicenseStatus
    superseded_by: str | None
    supersedes: str | None
    maintenance_until: Timestamp | None
    major_version: int | None
    purchased_at: Timestamp | None
    issued_at: Timestamp | None
    academic: Annotated[bool, BeforeValidator(bool)] = Field(
        description="Sold at academic prices; upgrades and renewals stay so")
    institution: str | None = Field(description="The academic institution; null if not academic")
    registrations: list[Registration]

    model_config = example(LICENSE_EXAMPLE)


class LicenseList(Answer):
    data: list[License]
    next_cursor: str | None

    model_config = example({"data": [LICENSE_EXAMPLE], "next_cursor": None})


class RegistrationList(Answer):
    data: list[Registration]
    next_cursor: str | None
    seats: int | None
    registered: int

    model_config = example({"data": [REGISTRATION_EXAMPLE], "next_cursor": None, "seats": 5, "registered": 1})


class Unregistered(Answer):
    unregistered: bool
    user: str
    license_id: str

    model_config = example({"unregistered": True, "user": "ana@acme.example", "license_id": "lic_5fQ1"})


class ValidatedLicense(Answer):
    id: str
    product: str
    seats: int | None
    status: LicenseStatus
    maintenance_until: Timestamp | None
    major_version: int | None
    superseded_by: str | None


class Validation(Answer):
    valid: bool
    code: Literal["VALID", "SUPERSEDED", "REVOKED", "NAME_MISMATCH", "BAD_SIGNATURE",
                  "MALFORMED", "UNKNOWN_KEY", "PRODUCT_MISMATCH"]
    license: ValidatedLicense | None
    issued_at: Timestamp = Field(description="When this signed answer was made")
    nonce: str | None = Field(description="The request's nonce, echoed")

    model_config = example({"valid": True, "code": "VALID", "license": {
            "id": "lic_5fQ1", "product": "desktop", "seats": 5, "status": "active",
            "maintenance_until": "2027-01-15T09:30:00Z", "major_version": 4,
            "superseded_by": None},
        "issued_at": "2026-01-15T09:30:00Z", "nonce": "b7e1c2"})


class LostKeyAccepted(Answer):
    status: str
    message: str

    model_config = example({"status": "accepted", "message": "If licenses were bought with this address, their "
         "License Information is on its way to it."})


SIGNING_KEY_EXAMPLE = {"kid": "k1-2026", "algorithm": "Ed25519",
                       "public_key": "MCowBQYDK2VwAyEA...", "status": "active",
                       "created_at": "2026-01-01T00:00:00Z", "retired_at": None}


class SigningKey(Answer):
    kid: str
    algorithm: Literal["Ed25519"]
    public_key: str = Field(description="Base64")
    status: str
    created_at: Timestamp | None
    retired_at: Timestamp | None

    model_config = example(SIGNING_KEY_EXAMPLE)


class SigningKeyList(Answer):
    data: list[SigningKey]
    next_cursor: str | None

    model_config = example({"data": [SIGNING_KEY_EXAMPLE], "next_cursor": None})


class RevocationList(Answer):
    format: Literal["licensor-revocations-v1"]
    kid: str
    payload: str = Field(description="base64url of the JSON document that is signed")
    signature: str = Field(description="base64 Ed25519 signature of the payload's ASCII bytes")
