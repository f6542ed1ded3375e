"""The catalog: products, their models and pricing policies. Parsing validates every rule."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from licensor.catalog.policies import (
    CompanionPolicy,
    CreditPolicy,
    companion_to_json,
    credits_to_json,
    parse_companion,
    parse_credits,
)
from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.core.nul import nul_field

MODELS = ("perpetual", "subscription", "marketplace")
CHANNELS = ("direct", "marketplace")
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
MAX_SEATS = 1_000_000


def seats_text(seats: int | None, unit: str | None = None) -> str:
    """"10 seats", "1 user", "unlimited seats": a seat count in the product's unit (None is the
    unlimited tier)."""
    word = unit or "seat"
    if seats is None:
        return f"unlimited {word}s"
    return f"{seats} {word}{'' if seats == 1 else 's'}"


@dataclass(frozen=True)
class VolumeBand:
    min_seats: int
    unit_price: Money


@dataclass(frozen=True)
class Tier:
    seats: int | None  # None = unlimited
    price: Money
    academic_price: Money | None = None  # what an academic institution pays; None: not sold


@dataclass(frozen=True)
class Pricing:
    kind: str  # "volume" | "tiers"
    bands: tuple[VolumeBand, ...] = ()
    tiers: tuple[Tier, ...] = ()

    @property
    def currency(self) -> str:
        return (self.bands[0].unit_price if self.kind == "volume" else self.tiers[0].price).currency

    def band_for(self, seats: int) -> VolumeBand:
        chosen = self.bands[0]
        for band in self.bands:
            if band.min_seats <= seats:
                chosen = band
        return chosen

    def tier_for(self, seats: int | None) -> Tier | None:
        for tier in self.tiers:
            if tier.seats == seats:
                return tier
        return None

    def list_price(self, seats: int | None) -> Money:
        """List price of a license for `seats` (every seat at its band's unit price, or the tier)."""
        if self.kind == "volume":
            if seats is None or seats < 1 or seats > MAX_SEATS:
                raise LicensorError("INVALID_SEATS", f"Seats must be a whole number from 1 to "
                                    f"{MAX_SEATS}.", {"seats": seats})
            return self.band_for(seats).unit_price.times(seats)
        tier = self.tier_for(seats)
        if tier is None:
            raise LicensorError("INVALID_TIER", "This product is sold in fixed tiers; choose one of "
                                f"{self.tier_names()}.", {"seats": seats, "tiers": self.tier_seats()})
        return tier.price

    @property
    def academic(self) -> bool:
        """Are there academic prices (on every tier: the catalog refuses some-but-not-all)?"""
        return self.kind == "tiers" and all(t.academic_price is not None for t in self.tiers)

    def academic_view(self) -> Pricing:
        """The same tiers at their academic prices: every price rule (new, upgrade, renewal)
        then works unchanged for an academic license."""
        if not self.academic:
            raise LicensorError("ACADEMIC_NOT_AVAILABLE", "This product has no academic "
                                "price; academic pricing is for server tiers that carry one.", {})
        return Pricing("tiers", tiers=tuple(Tier(t.seats, t.academic_price or t.price)
                                             for t in self.tiers))

    def tier_seats(self) -> list[int | None]:
        return [t.seats for t in self.tiers]

    def tier_names(self) -> str:
        return ", ".join("unlimited" if s is None else str(s) for s in self.tier_seats())


@dataclass(frozen=True)
class Plan:
    code: str
    name: str
    limit: int
    monthly_price: Money
    yearly_price: Money

    def price(self, interval: str) -> Money:
        return self.monthly_price if interval == "month" else self.yearly_price


@dataclass(frozen=True)
class Product:
    code: str
    name: str
    model: str
    seat_unit: str | None
    channels: tuple[str, ...]
    pricing: Pricing | None = None
    maintenance_months: int | None = None
    renewal_price_ratio: Decimal | None = None
    plans: tuple[Plan, ...] | None = None
    single_user: bool = False
    trial_days: int = 0
    marketplace_url: str | None = None
    major_version: int | None = None
    companion: CompanionPolicy | None = None
    credits: CreditPolicy | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_perpetual(self) -> bool:
        return self.model == "perpetual"

    def plan(self, code: str) -> Plan | None:
        for plan in self.plans or ():
            if plan.code == code:
                return plan
        return None


def _err(message: str, **details: Any) -> LicensorError:
    return LicensorError("INVALID_CATALOG", message, details)


def _int(data: dict[str, Any], key: str, where: str, *, minimum: int = 0,
         optional: bool = False) -> int | None:
    value = data.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise _err(f"{where}.{key} must be a whole number of at least {minimum}.",
                   field=f"{where}.{key}")
    return value


def _parse_pricing(data: Any, code: str) -> Pricing:
    where = f"{code}.pricing"
    if not isinstance(data, dict) or data.get("kind") not in ("volume", "tiers"):
        raise _err(f'{where}.kind must be "volume" or "tiers".', field=f"{where}.kind")
    if data["kind"] == "volume":
        raw = data.get("bands")
        if not isinstance(raw, list) or not raw:
            raise _err(f"{where}.bands must be a non-empty list.", field=f"{where}.bands")
        bands = tuple(VolumeBand(_int(b, "min_seats", f"{where}.bands[{i}]", minimum=1) or 1,
                                 Money.from_json(b.get("unit_price"),
                                                 f"{where}.bands[{i}].unit_price"))
                      for i, b in enumerate(_dicts(raw, f"{where}.bands")))
        pricing = Pricing("volume", bands=bands)
        _check_volume(pricing, where)
        return pricing
    raw = data.get("tiers")
    if not isinstance(raw, list) or not raw:
        raise _err(f"{where}.tiers must be a non-empty list.", field=f"{where}.tiers")
    tiers = tuple(Tier(_int(t, "seats", f"{where}.tiers[{i}]", minimum=1, optional=True),
                       Money.from_json(t.get("price"), f"{where}.tiers[{i}].price"),
                       None if t.get("academic_price") is None else
                       Money.from_json(t["academic_price"], f"{where}.tiers[{i}].academic_price"))
                  for i, t in enumerate(_dicts(raw, f"{where}.tiers")))
    pricing = Pricing("tiers", tiers=tiers)
    _check_tiers(pricing, where)
    return pricing


def _dicts(raw: list[Any], where: str) -> list[dict[str, Any]]:
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise _err(f"{where}[{i}] must be an object.", field=f"{where}[{i}]")
    return raw


def _check_volume(pricing: Pricing, where: str) -> None:
    bands = pricing.bands
    if bands[0].min_seats != 1:
        raise _err(f"{where}: the first band must start at 1 seat.", band=0)
    currencies = {b.unit_price.currency for b in bands}
    if len(currencies) > 1:
        raise _err(f"{where}: every band must use the same currency.", field=where)
    for i in range(1, len(bands)):
        prev, band = bands[i - 1], bands[i]
        if band.min_seats <= prev.min_seats:
            raise _err(f"{where}.bands[{i}] must start above the band before it "
                       f"({prev.min_seats} seats).", band=i)
        # Within a band the total grows with seats; at a band's edge it must not fall.
        below = prev.unit_price.times(band.min_seats - 1)
        at_edge = band.unit_price.times(band.min_seats)
        if at_edge < below:
            raise _err(f"{where}.bands[{i}] (from {band.min_seats} seats) makes the total price "
                       f"fall: {band.min_seats} seats would cost {at_edge.display()} but "
                       f"{band.min_seats - 1} cost {below.display()}.", band=i,
                       min_seats=band.min_seats)


def _check_tiers(pricing: Pricing, where: str) -> None:
    tiers = pricing.tiers
    academic = [t.academic_price is not None for t in tiers]
    if any(academic) and not all(academic):
        raise _err(f"{where}: give every tier an academic_price, or none.", field=where)
    if len({t.price.currency for t in tiers}
           | {t.academic_price.currency for t in tiers if t.academic_price}) > 1:
        raise _err(f"{where}: every tier must use the same currency.", field=where)
    for i, tier in enumerate(tiers):
        if tier.seats is None and i != len(tiers) - 1:
            raise _err(f"{where}.tiers[{i}]: the unlimited tier must be the last one.", tier=i)
        if i == 0:
            continue
        prev = tiers[i - 1]
        if prev.seats is None or (tier.seats is not None and tier.seats <= prev.seats):
            raise _err(f"{where}.tiers[{i}] must be larger than the tier before it.", tier=i)
        if (tier.academic_price and prev.academic_price
                and tier.academic_price < prev.academic_price):
            raise _err(f"{where}.tiers[{i}]: its academic price is below the smaller tier's; a "
                       "larger tier must not be cheaper.", tier=i)
        if tier.price < prev.price:
            raise _err(f"{where}.tiers[{i}] ({tier.seats or 'unlimited'} seats) costs less than "
                       f"the smaller tier before it; a larger tier must not be cheaper.", tier=i)


def _parse_plans(raw: Any, code: str) -> tuple[Plan, ...]:
    where = f"{code}.plans"
    if not isinstance(raw, list) or not raw:
        raise _err(f"{where} must be a non-empty list for a subscription product.", field=where)
    plans = []
    for i, p in enumerate(_dicts(raw, where)):
        pcode = p.get("code")
        if not isinstance(pcode, str) or not CODE_RE.match(pcode):
            raise _err(f"{where}[{i}].code must be a short lowercase code.", field=f"{where}[{i}]")
        plans.append(Plan(pcode, str(p.get("name") or pcode),
                          _int(p, "limit", f"{where}[{i}]", minimum=1) or 1,
                          Money.from_json(p.get("monthly_price"), f"{where}[{i}].monthly_price"),
                          Money.from_json(p.get("yearly_price"), f"{where}[{i}].yearly_price")))
    if len({p.code for p in plans}) != len(plans):
        raise _err(f"{where}: plan codes must be unique.", field=where)
    return tuple(plans)


def _parse_ratio(raw: Any, code: str) -> Decimal | None:
    if raw is None:
        return None
    try:
        ratio: Decimal | None = Decimal(str(raw))
    except InvalidOperation:
        ratio = None
    if ratio is None or not (Decimal(0) <= ratio <= Decimal(10)) or isinstance(raw, bool):
        raise _err(f"{code}.renewal_price_ratio must be a number such as 0.5.",
                   field="renewal_price_ratio")
    return ratio


def _parse_marketplace_url(url: Any, code: str, *, sold_there: bool) -> str | None:
    if url is not None and (not isinstance(url, str) or not url.startswith(("http://", "https://"))):
        raise _err(f"{code}.marketplace_url must be an http(s) address.", field="marketplace_url")
    if sold_there and not url:
        raise _err(f"{code}: a product sold on the marketplace needs marketplace_url.",
                   field="marketplace_url")
    return url


def parse_product(data: Any, code: str | None = None) -> Product:
    """Build a Product from its JSON document, refusing anything a vendor could get wrong."""
    if not isinstance(data, dict):
        raise _err("A product must be a JSON object.")
    where = nul_field(data)
    if where is not None:
        raise _err(f"{where} contains a NUL character (U+0000); remove it.", field=where)
    code = code or data.get("code")
    if not isinstance(code, str) or not CODE_RE.match(code):
        raise _err("code must be lowercase letters, digits and dashes.", field="code")
    if data.get("code") not in (None, code):
        raise _err(f"The body's code {data.get('code')!r} differs from the address's {code!r}.",
                   field="code")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise _err(f"{code}.name must be a non-empty text.", field="name")
    model = data.get("model")
    if model not in MODELS:
        raise _err(f"{code}.model must be one of {', '.join(MODELS)}.", field="model")
    channels = data.get("channels") or ["direct"]
    if not isinstance(channels, list) or any(c not in CHANNELS for c in channels):
        raise _err(f"{code}.channels must be a list of {', '.join(CHANNELS)}.", field="channels")
    pricing = None
    plans = None
    if model == "perpetual":
        pricing = _parse_pricing(data.get("pricing"), code)
    elif data.get("pricing") is not None:
        raise _err(f"{code}: only perpetual products have pricing; subscriptions have plans.",
                   field="pricing")
    if model == "subscription":
        plans = _parse_plans(data.get("plans"), code)
    maintenance = _int(data, "maintenance_months", code, minimum=1, optional=True)
    ratio = _parse_ratio(data.get("renewal_price_ratio"), code)
    if maintenance is not None and model != "perpetual":
        raise _err(f"{code}: maintenance applies to perpetual products only.",
                   field="maintenance_months")
    single_user = data.get("single_user", False)
    if not isinstance(single_user, bool):
        raise _err(f"{code}.single_user must be true or false.", field="single_user")
    url = _parse_marketplace_url(data.get("marketplace_url"), code,
                                 sold_there=model == "marketplace" or "marketplace" in channels)
    seat_unit = data.get("seat_unit")
    if seat_unit is not None and not isinstance(seat_unit, str):
        raise _err(f"{code}.seat_unit must be a text such as \"user\".", field="seat_unit")
    known = {"code", "name", "model", "seat_unit", "channels", "pricing", "maintenance_months",
             "renewal_price_ratio", "plans", "single_user", "trial_days", "marketplace_url",
             "major_version", "companion", "credits"}
    product = Product(
        code=code, name=name.strip(), model=model, seat_unit=seat_unit, channels=tuple(channels),
        pricing=pricing, maintenance_months=maintenance, renewal_price_ratio=ratio, plans=plans,
        single_user=single_user,
        trial_days=_int(data, "trial_days", code, optional=True) or 0,
        marketplace_url=url,
        major_version=_int(data, "major_version", code, minimum=1, optional=True),
        companion=parse_companion(data.get("companion"), code, perpetual=model == "perpetual"),
        credits=parse_credits(data.get("credits"), code, perpetual=model == "perpetual"),
        extra={k: v for k, v in data.items() if k not in known},
    )
    check_price_lists(product)
    return product


def product_to_json(product: Product) -> dict[str, Any]:
    pricing: dict[str, Any] | None = None
    if product.pricing is not None:
        if product.pricing.kind == "volume":
            pricing = {"kind": "volume", "bands": [
                {"min_seats": b.min_seats, "unit_price": b.unit_price.to_json()}
                for b in product.pricing.bands]}
        else:
            pricing = {"kind": "tiers", "tiers": [
                {"seats": t.seats, "price": t.price.to_json(),
                 **({"academic_price": t.academic_price.to_json()} if t.academic_price else {})}
                for t in product.pricing.tiers]}
    return {
        **product.extra,
        "code": product.code, "name": product.name, "model": product.model,
        "seat_unit": product.seat_unit, "channels": list(product.channels), "pricing": pricing,
        "maintenance_months": product.maintenance_months,
        "renewal_price_ratio": (str(product.renewal_price_ratio)
                                if product.renewal_price_ratio is not None else None),
        "plans": None if product.plans is None else [
            {"code": p.code, "name": p.name, "limit": p.limit,
             "monthly_price": p.monthly_price.to_json(), "yearly_price": p.yearly_price.to_json()}
            for p in product.plans],
        "single_user": product.single_user, "trial_days": product.trial_days,
        "marketplace_url": product.marketplace_url, "major_version": product.major_version,
        **({"companion": companion_to_json(product.companion)} if product.companion else {}),
        **({"credits": credits_to_json(product.credits)} if product.credits else {}),
    }


# Price lists build on this module's parsing; imported last, so the cycle resolves.
from licensor.catalog.price_lists import check_price_lists
