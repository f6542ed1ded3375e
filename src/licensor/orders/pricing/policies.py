"""Prices beside the list price of a perpetual license: academic tiers and the companion price.

Academic: a new license quoted with `academic: true` and `institution` is priced at the
academic view of the product's tiers (catalog `academic_price`); a product without academic
prices refuses it (409 ACADEMIC_NOT_AVAILABLE). The license remembers it (academic, institution),
and its upgrades and renewals are priced on the academic view too: the license decides, so an
`academic` sent with them must agree with it (true on a commercial license: 409
ACADEMIC_NOT_AVAILABLE; false on an academic one: 422 INVALID_REQUEST).

Companion: a new license of a product with a companion policy (desktop), quoted with
`companion: {license_name, license_key}` by the holder of an active direct license of one of
the policy's `license_products`, or `companion: {site_id}` with the bearer token of the owner or
a staff member of a live site (trial or paid) of one of its `site_products`, costs the policy's
unit price a seat, or the list price when that is lower. Anything else: 409
COMPANION_NOT_ELIGIBLE saying why. The quote's details record the qualification used.

Where a customer stands on a site is the subscriptions capability's to say; orders does not
build on it, so the composition (licensor/capabilities.py) hands over `use_site_standing`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema
from sqlalchemy.orm import Session

from licensor.catalog.rules import Pricing, Product
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.formats import money
from licensor.core.money import Money
from licensor.licenses import service as licenses
from licensor.licenses.enums import LicenseStatus
from licensor.licenses.service import LicenseRow

MAX_INSTITUTION = 200


class CompanionBody(BaseModel):
    """Who qualifies for the companion price: a server license's holder, or a site's people."""

    license_name: str | None = Field(default=None, max_length=1000)
    license_key: str | None = Field(default=None, max_length=4096)
    site_id: str | None = Field(default=None, max_length=64)
    # The request's bearer token, set by the endpoint from the Authorization header (a value
    # sent in the body is replaced); never stored or shown.
    bearer: SkipJsonSchema[str | None] = Field(default=None, max_length=1000, repr=False)


def with_bearer(body: Any, token: str | None) -> Any:
    """The quote request with the caller's bearer token inside its `companion` object."""
    if isinstance(body, dict) and isinstance(body.get("companion"), dict):
        # Cut to the field's length: a longer token is no session either (401 unrecognised).
        return {**body, "companion": {**body["companion"], "bearer": token and token[:1000]}}
    return body


# -- where a customer stands on a site (provided by the subscriptions capability) ------------

class SiteStanding(Protocol):
    @property
    def product(self) -> str: ...
    @property
    def role(self) -> str | None: ...  # "owner" | "staff" | "member" | None (not on the site)
    @property
    def live(self) -> bool: ...  # in trial or paid for


SiteStandingOf = Callable[[Session, str, str, datetime], SiteStanding | None]
_site_standing: list[SiteStandingOf] = []


def use_site_standing(fn: SiteStandingOf) -> None:
    """Install how to learn a token's standing on a site: fn(session, token, site_id, now),
    None for no such site, 401 UNAUTHENTICATED for a token that is no live session."""
    _site_standing[:] = [fn]


# -- academic -----------------------------------------------------------------------------

def no_academic(product: Product) -> LicensorError:
    return LicensorError("ACADEMIC_NOT_AVAILABLE", f"{product.name} has no academic price: "
                         "academic licenses are sold for server products whose tiers carry one. "
                         "Leave academic out to buy it at the list price.",
                         {"product": product.code})


def check_new_request(product: Product, body: dict[str, Any]) -> None:
    """Refuse an academic or companion request the product has no price for (before the
    refusals of what is sold here: an academic Google Drive is ACADEMIC_NOT_AVAILABLE)."""
    if body.get("academic"):
        licenses.check_institution(True, body.get("institution"))  # 422 naming institution
        if product.pricing is None or not product.pricing.academic:
            raise no_academic(product)
    elif body.get("institution"):
        licenses.check_institution(False, body["institution"])
    if body.get("companion") is not None:
        if product.companion is None:
            raise not_eligible(f"{product.name} has no companion price; buy it at the list "
                               "price (leave companion out).", product=product.code)
        if body.get("academic"):
            raise not_eligible("Academic and companion prices do not combine; choose one.",
                               product=product.code)


def new_licenses_only(body: dict[str, Any], kind: str) -> None:
    """The companion price is for new licenses; an upgrade or renewal sent with one is refused
    rather than priced without it."""
    if body.get("companion") is not None:
        raise not_eligible(f"The companion price is for new licenses only; a {kind} is priced "
                           "from the license. Leave companion out.", reason="kind")


def priced_as(product: Product, row: LicenseRow, requested: bool | None = None) -> Product:
    """The product with the prices this license's upgrades and renewals are at: the academic
    view for an academic license (the license decides; `requested` must agree with it)."""
    if requested is True and not row.academic:
        raise LicensorError("ACADEMIC_NOT_AVAILABLE", "This license was bought at commercial "
                            "prices, so its upgrades and renewals are too; academic prices are "
                            "for licenses bought as academic. Leave academic out.",
                            {"license_id": row.id})
    if requested is False and row.academic:
        raise LicensorError("INVALID_REQUEST", "This license is academic: its upgrades and "
                            "renewals are at academic prices. Leave academic out.",
                            {"field": "academic"})
    if not row.academic:
        return product
    if product.pricing is None or not product.pricing.academic:
        raise LicensorError("ACADEMIC_NOT_AVAILABLE", f"{product.name} no longer has academic "
                            "prices, so this academic license cannot be priced here; contact "
                            "the vendor.", {"product": product.code, "license_id": row.id})
    return replace(product, pricing=product.pricing.academic_view())


def academic_note(row: LicenseRow) -> str:
    return f", academic ({row.institution})" if row.academic else ""


def academic_details(row: LicenseRow) -> dict[str, Any]:
    return {"academic": True, "institution": row.institution} if row.academic else {}


# -- the price of a new license -----------------------------------------------------------

@dataclass(frozen=True)
class Offer:
    price: Money
    note: str = ""  # added to the line's description
    details: dict[str, Any] = field(default_factory=dict)


def new_license_offer(ctx: Context, session: Session, product: Product, seats: int | None,
                      body: dict[str, Any], now: datetime) -> Offer:
    """The price of a new license of `seats` (checked) for this request, after
    check_new_request: list, academic or companion."""
    assert product.pricing is not None
    if body.get("academic"):
        institution = licenses.check_institution(True, body.get("institution"))
        price = product.pricing.academic_view().list_price(seats)
        return Offer(price, f", academic ({institution})",
                     {"academic": True, "institution": institution})
    price = product.pricing.list_price(seats)
    if body.get("companion") is None:
        return Offer(price)
    return companion_offer(ctx, session, product, product.pricing, seats, body["companion"],
                           now)


def companion_offer(ctx: Context, session: Session, product: Product, pricing: Pricing,
                    seats: int | None, companion: dict[str, Any], now: datetime) -> Offer:
    policy = product.companion
    assert policy is not None
    if seats is None:
        raise not_eligible("The companion price is a price a seat; choose a number of seats.",
                           reason="unlimited")
    qualification = _qualification(ctx, session, product, companion, now)
    list_price = pricing.list_price(seats)
    price = policy.price(seats)
    applied = price.currency != list_price.currency or price < list_price
    details = {"companion": {**qualification, "unit_price": policy.unit_price.to_json(),
                             "applied": applied}}
    if not applied:  # the volume price is already lower: it stands
        return Offer(list_price, "", details)
    return Offer(price, f", companion price ({money(policy.unit_price)} a "
                 f"{product.seat_unit or 'seat'})", details)


def not_eligible(message: str, **details: Any) -> LicensorError:
    return LicensorError("COMPANION_NOT_ELIGIBLE", message, details)


def _qualification(ctx: Context, session: Session, product: Product,
                   companion: dict[str, Any], now: datetime) -> dict[str, Any]:
    by_license = companion.get("license_name") is not None or companion.get(
        "license_key") is not None
    by_site = companion.get("site_id") is not None
    if by_license == by_site:
        raise LicensorError("INVALID_REQUEST", "companion needs either license_name and "
                            "license_key of your server license, or site_id of your site "
                            "(with your sign-in token), not both.", {"field": "companion"})
    if by_license:
        for name in ("license_name", "license_key"):
            if not companion.get(name):
                raise LicensorError("INVALID_REQUEST", f"The field 'companion.{name}' is "
                                    "required: copy it from your License Information.",
                                    {"field": f"companion.{name}"})
        return _license_qualification(ctx, session, product, companion)
    return _site_qualification(session, product, companion, now)


def _license_qualification(ctx: Context, session: Session, product: Product,
                           companion: dict[str, Any]) -> dict[str, Any]:
    policy = product.companion
    assert policy is not None
    try:
        row = licenses.current_license(ctx, session, companion["license_name"],
                                       companion["license_key"])
    except LicensorError as exc:
        if exc.code != "LICENSE_REVOKED":
            raise  # INVALID_LICENSE, LICENSE_SUPERSEDED: as everywhere
        raise not_eligible("That license has been revoked, so it does not qualify for the "
                           "companion price.", reason="revoked") from None
    if row.product not in policy.license_products:
        raise not_eligible(f"The companion price of {product.name} is for holders of a "
                           f"license of {', '.join(policy.license_products)}; this one is "
                           f"for {row.product}.", reason="product", license_id=row.id)
    if row.channel != "direct":
        raise not_eligible("That license was bought through the marketplace; the companion "
                           "price is for licenses bought directly.", reason="marketplace",
                           license_id=row.id)
    if row.status != LicenseStatus.ACTIVE:
        raise not_eligible("That license is no longer active.", reason=row.status,
                           license_id=row.id)
    return {"via": "license", "license_id": row.id, "product": row.product}


def _site_qualification(session: Session, product: Product, companion: dict[str, Any],
                        now: datetime) -> dict[str, Any]:
    policy = product.companion
    assert policy is not None
    site_id = companion["site_id"]
    if not companion.get("bearer"):
        raise LicensorError("UNAUTHENTICATED", "A companion price through a site needs you "
                            "signed in: send Authorization: Bearer <token> with the token from "
                            "POST /v1/sessions.", {"reason": "missing"}, status=401)
    if not _site_standing:
        raise not_eligible("Sites cannot be checked here; use the License Information of a "
                           "server license instead.", reason="unavailable")
    standing = _site_standing[0](session, companion["bearer"], site_id, now)
    if standing is None or standing.role is None:
        raise not_eligible("There is no such site among yours; check the site id.",
                           reason="not_on_site", site_id=site_id)
    if standing.product not in policy.site_products:
        raise not_eligible(f"The companion price of {product.name} is for sites of "
                           f"{', '.join(policy.site_products)}.", reason="product",
                           site_id=site_id)
    if standing.role not in ("owner", "staff"):
        raise not_eligible("The companion price is for a site's owner and staff; project "
                           "members do not qualify. Ask the site's owner.",
                           reason="member", site_id=site_id)
    if not standing.live:
        raise not_eligible("That site is suspended or has ended; the companion price is for "
                           "sites in their trial or paid for.", reason="site_not_live",
                           site_id=site_id)
    return {"via": "site", "site_id": site_id, "role": standing.role}
