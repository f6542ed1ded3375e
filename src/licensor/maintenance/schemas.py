"""Answers of releases and update checks (API and CLI)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from licensor.core.web.openapi import Answer, Timestamp, example


class UpdateCheck(Answer):
    version: str
    allowed: bool
    reason: Literal["ALLOWED", "MAINTENANCE_EXPIRED", "MAJOR_UPGRADE_REQUIRED",
                    "UNKNOWN_VERSION"]
    latest_allowed: str | None
    latest: str | None
    maintenance_until: Timestamp | None
    license_id: str
    product: str
    major_version: int | None
    issued_at: Timestamp = Field(description="When this signed answer was made")
    nonce: str | None = Field(description="The request's nonce, echoed")

    model_config = example({"version": "4.2.0", "allowed": True, "reason": "ALLOWED", "latest_allowed": "4.2.0",
         "latest": "4.2.0", "maintenance_until": "2027-01-15T09:30:00Z",
         "license_id": "lic_5fQ1", "product": "desktop", "major_version": 4,
         "issued_at": "2026-01-15T09:30:00Z", "nonce": None})


# A release as maintenance keeps it (the releases capability's Release adds its artifacts).
class ReleaseEntry(Answer):
    product: str
    version: str
    released_at: Timestamp | None
    channel: Literal["stable", "beta"]
    notes: str
