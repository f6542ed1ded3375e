"""Pure rules of artifacts and download links: names, the signed statement, the link's MAC."""

from __future__ import annotations

import re

ARTIFACT_FORMAT = "licensor-artifact-v1"
PLATFORM_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,31}$")
# A file name as a browser saves it: no path, no control or quoting characters.
FILENAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+ ()-]{0,199}$")


def artifact_statement(product: str, version: str, platform: str, sha256_hex: str) -> bytes:
    """What an artifact's Ed25519 signature covers (ASCII)."""
    return f"{ARTIFACT_FORMAT}\n{product}\n{version}\n{platform}\n{sha256_hex}".encode("ascii")


def link_statement(product: str, version: str, platform: str, sha256_hex: str,
                   expires: int) -> str:
    """What a download link's HMAC covers: the file's digest too, so a link made for a file
    that was since replaced stops working."""
    return f"{product}\n{version}\n{platform}\n{sha256_hex}\n{expires}"


def storage_key(product: str, version: str, platform: str, sha256_hex: str,
                filename: str) -> str:
    # The digest in the key: a replaced file never overwrites one being downloaded.
    return f"{product}/{version}/{platform}/{sha256_hex[:16]}/{filename}"
