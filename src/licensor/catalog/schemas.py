"""Answers of the catalog (API and CLI): products and their pricing."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from licensor.core.web.openapi import Answer, Money, example

USD_89 = {"amount": 8900, "currency": "USD"}


class VolumeBand(Answer):
    min_seats: int
    unit_price: Money


class VolumePricing(Answer):
    kind: Literal["volume"]
    bands: list[VolumeBand]


class Tier(Answer):
    seats: int | None = Field(description="Seats of the tier; null for unlimited")
    price: Money
    academic_price: Money | None = Field(default=None, description="What an academic "
                                         "institution pays for the tier; absent: not sold")


class TierPricing(Answer):
    kind: Literal["tiers"]
    tiers: list[Tier]


class Plan(Answer):
    code: str
    name: str
    limit: int | None = Field(description="Projects the plan allows; null for unlimited")
    monthly_price: Money
    yearly_price: Money


class Companion(Answer):
    unit_price: Money
    license_products: list[str]
    site_products: list[str]


class Credits(Answer):
    site_ratio: str | None = Field(description="Decimal text, e.g. \"0.5\"")
    site_products: list[str]
    plugin_ratio: str | None = Field(description="Decimal text, e.g. \"0.5\"")
    plugin_products: list[str]


PRODUCT_EXAMPLE = {
    "code": "desktop", "name": "Balsamiq Desktop", "model": "perpetual", "seat_unit": "user",
    "channels": ["direct"], "pricing": {"kind": "volume", "bands": [
        {"min_seats": 1, "unit_price": USD_89}]},
    "maintenance_months": 12, "renewal_price_ratio": "0.5", "plans": None,
    "single_user": False, "trial_days": 0, "marketplace_url": None, "major_version": 4}


class Product(Answer):
    code: str
    name: str
    model: Literal["perpetual", "subscription", "marketplace"]
    seat_unit: str | None
    channels: list[str]
    pricing: VolumePricing | TierPricing | None = Field(discriminator="kind")
    maintenance_months: int | None
    renewal_price_ratio: str | None = Field(description="Decimal text, e.g. \"0.5\"")
    plans: list[Plan] | None
    single_user: bool
    trial_days: int
    marketplace_url: str | None
    major_version: int | None
    companion: Companion | None = Field(default=None, description="The companion price: "
                                        "holders of these licenses or sites pay unit_price a seat")
    credits: Credits | None = Field(default=None, description="What a license of this product "
                                    "is credited toward a site's subscription or a plugin coupon")

    model_config = example(PRODUCT_EXAMPLE)


class ProductList(Answer):
    data: list[Product]
    next_cursor: str | None

    model_config = example({"data": [PRODUCT_EXAMPLE], "next_cursor": None})


class UpgradePrice(Answer):
    from_seats: int | None
    to_seats: int | None = Field(description="null for an unlimited tier")
    price: Money


class UpgradePriceList(Answer):
    data: list[UpgradePrice]
    next_cursor: str | None

    model_config = example({"data": [{"from_seats": 1, "to_seats": 5, "price": {"amount": 35600,
                                                              "currency": "USD"}}],
         "next_cursor": None})
