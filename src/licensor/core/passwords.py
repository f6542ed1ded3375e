"""Password hashing for customer accounts and staff: Argon2id (argon2-cffi).

The cost is a setting (LICENSOR_PASSWORD_HASH_COST). "default" is argon2-cffi's own default,
RFC 9106's low-memory profile (3 passes over 64 MiB, 4 lanes): ~0.1 s a hash, on purpose.
"minimum" is the cheapest Argon2 allows, for test suites only: their hundreds of sign-ups
would otherwise spend minutes hashing. Every hash carries its parameters, so a hash made at
either cost still verifies at the other; account log-in rehashes to the current cost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from argon2 import PasswordHasher

Cost = Literal["default", "minimum"]

_hashers: dict[Cost, PasswordHasher] = {}
_cost: Cost = "default"
# Verified against when the email is unknown, so both refusals take the same time; made on
# first use (an import must not spend a hash).
_dummies: dict[Cost, str] = {}


def configure(cost: Cost) -> None:
    """Set the process's cost (build_context does, from the settings)."""
    global _cost
    _cost = cost


def hasher() -> PasswordHasher:
    if _cost not in _hashers:  # argon2 is imported by the commands that hash, not by all
        from argon2 import PasswordHasher, profiles

        profile = profiles.RFC_9106_LOW_MEMORY if _cost == "default" else profiles.CHEAPEST
        _hashers[_cost] = PasswordHasher.from_parameters(profile)
    return _hashers[_cost]


def dummy_hash() -> str:
    if _cost not in _dummies:
        _dummies[_cost] = hasher().hash("not-a-password")
    return _dummies[_cost]
