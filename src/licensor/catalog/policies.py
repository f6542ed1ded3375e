"""The pricing policies a product carries beside its list prices: the companion price of a
desktop product, the credit its licenses give toward other products, and academic tier prices.

In the catalog document (all optional):

    "companion": {"unit_price": {"amount": 4500, "currency": "USD"},
                  "license_products": ["confluence-server", "jira-server"],
                  "site_products": ["mybalsamiq"]}
    "credits": {"site_ratio": "0.5", "site_products": ["mybalsamiq"],
                "plugin_ratio": "0.5", "plugin_products": ["confluence-server", "jira-server"]}
    tiers: [{"seats": 10, "price": {...}, "academic_price": {...}}, ...]

- companion: holders of an active direct license of one of `license_products`, and the owner
  and staff of a site of one of `site_products`, buy this product at `unit_price` a seat.
- credits: a subscription of `site_products` is credited `site_ratio` of what was paid for a
  license of this product; or staff turn the license into a coupon worth `plugin_ratio` of
  its value at today's prices, for `plugin_products` only. Once per license, either way.
- academic_price: what an academic institution pays for the tier; a product whose tiers have
  none sells no academic licenses.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from licensor.core.errors import LicensorError
from licensor.core.money import Money


@dataclass(frozen=True)
class CompanionPolicy:
    unit_price: Money
    license_products: tuple[str, ...] = ()
    site_products: tuple[str, ...] = ()

    def price(self, seats: int) -> Money:
        return self.unit_price.times(seats)


@dataclass(frozen=True)
class CreditPolicy:
    site_ratio: Decimal | None = None
    site_products: tuple[str, ...] = ()
    plugin_ratio: Decimal | None = None
    plugin_products: tuple[str, ...] = ()

    def site_credit(self, paid: Money) -> Money:
        """What a site is credited for a license that was paid `paid` (half-to-even)."""
        return paid.scaled(self.site_ratio or Decimal(0))

    def plugin_credit(self, value: Money) -> Money:
        """The coupon a license worth `value` today becomes (half-to-even)."""
        return value.scaled(self.plugin_ratio or Decimal(0))


def _err(message: str, field: str) -> LicensorError:
    return LicensorError("INVALID_CATALOG", message, {"field": field})


def _codes(data: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise _err(f"{where}.{key} must be a list of product codes.", f"{where}.{key}")
    return tuple(value)


def _ratio(data: dict[str, Any], key: str, where: str) -> Decimal | None:
    raw = data.get(key)
    if raw is None:
        return None
    try:
        ratio = Decimal(str(raw)) if not isinstance(raw, bool) else None
    except InvalidOperation:
        ratio = None
    if ratio is None or not Decimal(0) <= ratio <= Decimal(1):
        raise _err(f'{where}.{key} must be a ratio from 0 to 1, such as "0.5".', f"{where}.{key}")
    return ratio


def parse_companion(data: Any, code: str, *, perpetual: bool) -> CompanionPolicy | None:
    if data is None:
        return None
    where = f"{code}.companion"
    if not isinstance(data, dict) or not perpetual:
        raise _err(f"{where} must be an object, on a perpetual product.", where)
    return CompanionPolicy(Money.from_json(data.get("unit_price"), f"{where}.unit_price"),
                           _codes(data, "license_products", where),
                           _codes(data, "site_products", where))


def parse_credits(data: Any, code: str, *, perpetual: bool) -> CreditPolicy | None:
    if data is None:
        return None
    where = f"{code}.credits"
    if not isinstance(data, dict) or not perpetual:
        raise _err(f"{where} must be an object, on a perpetual product.", where)
    return CreditPolicy(_ratio(data, "site_ratio", where), _codes(data, "site_products", where),
                        _ratio(data, "plugin_ratio", where),
                        _codes(data, "plugin_products", where))


def companion_to_json(policy: CompanionPolicy | None) -> dict[str, Any] | None:
    if policy is None:
        return None
    return {"unit_price": policy.unit_price.to_json(),
            "license_products": list(policy.license_products),
            "site_products": list(policy.site_products)}


def credits_to_json(policy: CreditPolicy | None) -> dict[str, Any] | None:
    if policy is None:
        return None
    return {"site_ratio": None if policy.site_ratio is None else str(policy.site_ratio),
            "site_products": list(policy.site_products),
            "plugin_ratio": None if policy.plugin_ratio is None else str(policy.plugin_ratio),
            "plugin_products": list(policy.plugin_products)}
