"""Price lists in more currencies: a product's `price_lists` ({"EUR": {"pricing": {...},
"plans": [{code, monthly_price, yearly_price}]}}) beside its main `pricing` and `plans`.
A quote or subscription in a currency takes that list's prices; money is never converted."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from licensor.catalog.rules import Plan, Product, _dicts, _err, _parse_pricing
from licensor.core.errors import LicensorError
from licensor.core.money import MINOR_UNIT_DIGITS, Money


def main_currency(product: Product) -> str | None:
    if product.pricing is not None:
        return product.pricing.currency
    if product.plans:
        return product.plans[0].monthly_price.currency
    return None


def offered(product: Product) -> list[str]:
    main = main_currency(product)
    return [*([main] if main else []), *sorted(_lists(product))]


def _lists(product: Product) -> dict[str, Any]:
    raw = product.extra.get("price_lists")
    return raw if isinstance(raw, dict) else {}


def _plans(product: Product, currency: str, raw: Any, where: str) -> tuple[Plan, ...]:
    prices = {p.get("code"): p for p in _dicts(raw if isinstance(raw, list) else [], where)}
    plans = []
    for plan in product.plans or ():
        entry = prices.get(plan.code)
        if entry is None:
            raise _err(f"{where} must price every plan; {plan.code} is missing.", field=where)
        monthly = Money.from_json(entry.get("monthly_price"), f"{where}.{plan.code}.monthly_price")
        yearly = Money.from_json(entry.get("yearly_price"), f"{where}.{plan.code}.yearly_price")
        if {monthly.currency, yearly.currency} != {currency}:
            raise _err(f"{where}.{plan.code}: prices must be in {currency}.", field=where)
        plans.append(replace(plan, monthly_price=monthly, yearly_price=yearly))
    return tuple(plans)


def _priced(product: Product, currency: str, entry: Any) -> Product:
    where = f"{product.code}.price_lists.{currency}"
    if currency not in MINOR_UNIT_DIGITS or currency == main_currency(product):
        raise _err(f"{where}: a price list is for a currency Licensor knows other than the "
                   "main one (ISO 4217, such as EUR).", field="price_lists")
    if not isinstance(entry, dict):
        raise _err(f"{where} must be an object {{pricing, plans}}.", field="price_lists")
    pricing = None
    if product.pricing is not None:
        pricing = _parse_pricing(entry.get("pricing"), where)
        if pricing.currency != currency:
            raise _err(f"{where}.pricing must be in {currency}.", field="price_lists")
    plans = _plans(product, currency, entry.get("plans"), f"{where}.plans") \
        if product.plans else None
    return replace(product, pricing=pricing, plans=plans)


def check_price_lists(product: Product) -> None:
    """Refuse (422 INVALID_CATALOG) a price list that is not a full set of prices in its
    currency; called when the product is parsed."""
    raw = product.extra.get("price_lists")
    if raw is None:
        return
    if not isinstance(raw, dict):
        raise _err(f"{product.code}.price_lists must be an object keyed by currency.",
                   field="price_lists")
    for currency, entry in raw.items():
        _priced(product, currency, entry)


def in_currency(product: Product, currency: str | None) -> Product:
    """The product priced in `currency` (its main currency when None); 409
    CURRENCY_NOT_OFFERED when it has no price list in it."""
    if currency is None or currency == main_currency(product):
        return product
    entry = _lists(product).get(currency)
    if entry is None:
        raise LicensorError("CURRENCY_NOT_OFFERED", f"{product.name} is not sold in "
                            f"{str(currency)[:8]}; choose one of {', '.join(offered(product))}.",
                            {"currency": str(currency)[:8], "offered": offered(product)})
    return _priced(product, currency, entry)


def in_currency_if_offered(product: Product, currency: str) -> Product:
    """The product priced in `currency` if it still has that price list, else as it is (a
    renewal then keeps the price last paid rather than failing)."""
    if currency == main_currency(product) or currency not in _lists(product):
        return product
    return in_currency(product, currency)
