"""Who may move a direct license to the marketplace: pure rules, no I/O."""

from __future__ import annotations

from licensor.catalog.rules import MAX_SEATS, Product, seats_text
from licensor.core.errors import LicensorError

PENDING = "pending"
AWAITING_UPGRADE = "awaiting_upgrade"
COMPLETED = "completed"
REJECTED = "rejected"
OPEN_STATUSES = (AWAITING_UPGRADE, PENDING)
STATUSES = (AWAITING_UPGRADE, PENDING, COMPLETED, REJECTED)


def users(seats: int | None) -> str:
    """A seat count of a server plugin license, which is counted in users."""
    return seats_text(seats, "user")


def _rank(seats: int | None) -> int:
    """Unlimited is larger than every count."""
    return MAX_SEATS + 1 if seats is None else seats


def migratable_products(products: list[Product]) -> list[str]:
    return [p.code for p in products if is_migratable(p)]


def is_migratable(product: Product) -> bool:
    """Self-hosted products licensed by key that the marketplace also sells."""
    return product.is_perpetual and "marketplace" in product.channels


def check_product(product: Product, eligible: list[str]) -> None:
    if not is_migratable(product):
        raise LicensorError(
            "PRODUCT_NOT_MIGRATABLE",
            f"{product.name} is not sold on the marketplace, so its licenses stay direct. "
            "Only server plugin licenses can move to the marketplace.",
            {"product": product.code, "eligible_products": eligible}, status=409)


def check_server_tier(product: Product, server_user_tier: int | None) -> None:
    """The server's user tier must be one the product is sold in (None = unlimited)."""
    if product.pricing is None:
        return
    if product.pricing.kind == "tiers":
        if server_user_tier not in product.pricing.tier_seats():
            raise LicensorError(
                "INVALID_TIER", "server_user_tier must be one of the product's user tiers: "
                f"{product.pricing.tier_names()} (null for unlimited); read it from your "
                "server's license page.",
                {"field": "server_user_tier", "server_user_tier": server_user_tier,
                 "tiers": product.pricing.tier_seats()})
    elif server_user_tier is None:
        raise LicensorError("INVALID_TIER", "This product has no unlimited tier; give "
                            "server_user_tier as a number of users.",
                            {"field": "server_user_tier", "server_user_tier": None})


def status_for(license_seats: int | None, server_user_tier: int | None,
               agree_to_upgrade: bool) -> str:
    """The status a new request starts in, or TIER_MISMATCH saying how to proceed.

    A marketplace license must match the server's user tier exactly; a smaller direct
    license can be upgraded to match first, a larger one cannot (there are no downgrades).
    """
    if _rank(license_seats) == _rank(server_user_tier):
        return PENDING
    details = {"license_seats": license_seats, "server_user_tier": server_user_tier}
    if _rank(license_seats) > _rank(server_user_tier):
        raise LicensorError(
            "TIER_MISMATCH",
            f"Your license is for {users(license_seats)} but your server's user tier "
            f"is {users(server_user_tier)}. A marketplace license must match the server's "
            "tier and licenses are never downgraded: raise your server's user tier to "
            f"{users(license_seats)}, or buy a new license for {users(server_user_tier)} "
            "on the marketplace.",
            {**details, "reason": "LICENSE_LARGER_THAN_SERVER",
             "how_to_proceed": "Raise the server's user tier to match the license, then ask "
                               "again; or buy a new license of the server's tier on the "
                               "marketplace."})
    if agree_to_upgrade:
        return AWAITING_UPGRADE
    raise LicensorError(
        "TIER_MISMATCH",
        f"Your license is for {users(license_seats)} but your server's user tier is "
        f"{users(server_user_tier)}; a marketplace license must match it. Send the request "
        "again with agree_to_upgrade: true, then pay the upgrade to "
        f"{users(server_user_tier)}, and the request proceeds by itself.",
        {**details, "reason": "LICENSE_SMALLER_THAN_SERVER", "required_seats": server_user_tier,
         "how_to_proceed": "Resend with agree_to_upgrade: true and pay the upgrade to "
                           f"{users(server_user_tier)} (POST /v1/quotes "
                           "kind=upgrade)."})


def status_after_upgrade(new_seats: int | None, required_seats: int | None) -> str:
    """Where an open request stands once its license was upgraded to `new_seats`."""
    if _rank(new_seats) == _rank(required_seats):
        return PENDING
    if _rank(new_seats) < _rank(required_seats):
        return AWAITING_UPGRADE
    return REJECTED
