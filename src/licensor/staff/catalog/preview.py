"""What a product edit does to prices, before it is saved (pure: no I/O): list prices and
published upgrade prices before and after, and subscription plans' prices."""

from __future__ import annotations

from dataclasses import dataclass

from licensor.catalog.rules import Pricing, Product, seats_text
from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.orders.rules import upgrade_table


@dataclass(frozen=True)
class PriceChange:
    what: str
    before: Money | None  # None: not sold before
    after: Money | None  # None: no longer sold

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class Preview:
    list_prices: list[PriceChange]
    upgrade_prices: list[PriceChange]
    plan_prices: list[PriceChange]
    open_quotes: int

    @property
    def changes(self) -> int:
        return sum(c.changed for c in (*self.list_prices, *self.upgrade_prices,
                                       *self.plan_prices))


def _seat_points(pricing: Pricing) -> list[int | None]:
    if pricing.kind == "tiers":
        return pricing.tier_seats()
    points = set(range(1, 11)) | {b.min_seats for b in pricing.bands} \
        | {b.min_seats - 1 for b in pricing.bands if b.min_seats > 1}
    return [*sorted(points)]


def _list_prices(pricing: Pricing | None) -> dict[int | None, Money]:
    if pricing is None:
        return {}
    prices = {}
    for seats in _seat_points(pricing):
        try:
            prices[seats] = pricing.list_price(seats)
        except LicensorError:  # a point the pricing does not sell
            continue
    return prices


def _upgrade_prices(pricing: Pricing | None) -> dict[tuple[int | None, int | None], Money]:
    if pricing is None:
        return {}
    return {(r.from_seats, r.to_seats): r.price for r in upgrade_table(pricing)}


def _order(seats: int | None) -> float:
    return float("inf") if seats is None else seats


def preview(old: Product | None, new: Product, open_quotes: int) -> Preview:
    unit = new.seat_unit
    old_list, new_list = _list_prices(old.pricing if old else None), _list_prices(new.pricing)
    list_prices = [PriceChange(seats_text(s, unit), old_list.get(s), new_list.get(s))
                   for s in sorted(set(old_list) | set(new_list), key=_order)]
    old_up = _upgrade_prices(old.pricing if old else None) if old and old.is_perpetual else {}
    new_up = _upgrade_prices(new.pricing) if new.is_perpetual else {}
    upgrade_prices = [PriceChange(f"{seats_text(a, unit)} → {seats_text(b, unit)}",
                                  old_up.get((a, b)), new_up.get((a, b)))
                      for a, b in sorted(set(old_up) | set(new_up),
                                         key=lambda k: (_order(k[0]), _order(k[1])))]
    plans: list[PriceChange] = []
    old_plans = {p.code: p for p in (old.plans or ())} if old else {}
    new_plans = {p.code: p for p in (new.plans or ())}
    for code in [*old_plans, *[c for c in new_plans if c not in old_plans]]:
        before, after = old_plans.get(code), new_plans.get(code)
        name = after.name if after else before.name if before else code
        for interval in ("month", "year"):
            plans.append(PriceChange(f"{name} ({interval}ly)",
                                     before.price(interval) if before else None,
                                     after.price(interval) if after else None))
    return Preview(list_prices, upgrade_prices, plans, open_quotes)
