"""Answers and requests of releases, artifacts and downloads (API, pages and CLI)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from licensor.core.web.openapi import Answer, TimeInput, Timestamp, example
from licensor.maintenance.schemas import ReleaseEntry

ARTIFACT_EXAMPLE = {"product": "desktop", "version": "3.5.0", "platform": "windows-x64",
                    "filename": "Mockups-3.5.0.exe", "size": 73400320,
                    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                    "signature": "yPq2…base64…==", "kid": "a1b2c3d4"}
RELEASE_EXAMPLE = {"product": "desktop", "version": "3.5.0",
                   "released_at": "2016-01-15T09:30:00Z", "channel": "stable",
                   "notes": "Faster start-up.", "artifacts": [ARTIFACT_EXAMPLE]}


class Artifact(Answer):
    product: str
    version: str
    platform: str
    filename: str
    size: int
    sha256: str
    signature: str = Field(description="Base64 Ed25519 signature, by key `kid`, of "
                           '"licensor-artifact-v1\\n<product>\\n<version>\\n<platform>\\n'
                           '<sha256 hex>"')
    kid: str

    model_config = example(ARTIFACT_EXAMPLE)


class Release(ReleaseEntry):
    artifacts: list[Artifact]

    model_config = example(RELEASE_EXAMPLE)


class ReleaseList(Answer):
    data: list[Release]
    next_cursor: str | None

    model_config = example({"data": [RELEASE_EXAMPLE], "next_cursor": None})


class ReleaseBody(BaseModel):
    released_at: TimeInput
    channel: Literal["stable", "beta"] = "stable"
    notes: str = Field(default="", max_length=20000, pattern=r"^[^\x00]*$")

    model_config = {"json_schema_extra": {"examples": [
        {"released_at": "2026-01-15T09:30:00Z", "channel": "stable", "notes": "Bug fixes."}]}}


class DownloadBody(BaseModel):
    license_name: str = Field(max_length=1000)
    license_key: str = Field(max_length=4096)
    platform: str = Field(max_length=64)
    version: str | None = Field(default=None, max_length=200)
    channel: Literal["stable", "beta"] = "stable"

    model_config = {"json_schema_extra": {"examples": [
        {"license_name": "Acme Inc", "license_key": "eJx...signed...",
         "platform": "windows-x64"}]}}


class DownloadOffer(Artifact):
    url: str = Field(description="The download address: a credential, valid "
                     "LICENSOR_DOWNLOAD_LINK_SECONDS of real time")
    expires_at: Timestamp

    model_config = example({**ARTIFACT_EXAMPLE, "url": "https://licensing.example.com/v1/"
                            "downloads/desktop/3.5.0/windows-x64?expires=1767225600&"
                            "signature=5d41…", "expires_at": "2026-01-01T00:00:00Z"})
