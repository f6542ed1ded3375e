"""The licenses capability's named values, as rows store them and answers, pages and webhooks
show them (other capabilities compare with these, never with the bare text)."""

from __future__ import annotations

from enum import StrEnum


class LicenseStatus(StrEnum):
    ACTIVE = "active"
    SUPERSEDED = "superseded"  # an upgrade replaced it (superseded_by names the successor)
    REVOKED = "revoked"
