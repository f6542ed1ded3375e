"""Release versions: Semantic Versioning 2.0 (MAJOR.MINOR.PATCH[-pre.release]), compared by
precedence, so 3.10.0 > 3.9.0 and 4.0.0-beta.1 < 4.0.0."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

from licensor.core.errors import LicensorError

_NUM = r"0|[1-9]\d{0,8}"
_PRE_ID = r"(?:0|[1-9]\d{0,8}|\d*[A-Za-z-][0-9A-Za-z-]*)"
VERSION_RE = re.compile(rf"^({_NUM})\.({_NUM})\.({_NUM})(?:-({_PRE_ID}(?:\.{_PRE_ID})*))?$")
MAX_LENGTH = 64


@total_ordering
@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()

    def __str__(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return f"{core}-{'.'.join(self.prerelease)}" if self.prerelease else core

    def _key(self) -> tuple[int, int, int, int, tuple[tuple[int, int, str], ...]]:
        # A pre-release sorts before its release; numeric identifiers before alphanumeric ones.
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, pre)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()


def parse_version(text: str) -> Version:
    """A version such as 3.10.0 or 4.0.0-beta.1; anything else is 422 INVALID_VERSION."""
    match = VERSION_RE.match(text.strip()) if len(text) <= MAX_LENGTH else None
    if match is None:
        raise LicensorError("INVALID_VERSION", f"{text[:MAX_LENGTH]!r} is not a version: write "
                            "MAJOR.MINOR.PATCH such as 3.10.0 (optionally with a pre-release "
                            "suffix such as 4.0.0-beta.1).", {"version": text[:MAX_LENGTH]})
    major, minor, patch, pre = match.groups()
    return Version(int(major), int(minor), int(patch), tuple(pre.split(".")) if pre else ())
