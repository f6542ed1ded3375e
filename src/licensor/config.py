"""Settings from the environment (LICENSOR_*), as README's configuration table names them."""

from __future__ import annotations

import re
from datetime import timedelta
from email.utils import formataddr
from itertools import pairwise
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from licensor.core.formats import check_locale


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LICENSOR_", extra="ignore")

    home: Path = Path("./var")
    database_url: str | None = None
    # The key-encryption key sealing the secrets every host shares (core/secrets.py), or the
    # file holding it; without either, one made in `home` (a single host only).
    secret_key: SecretStr | None = None
    secret_key_file: Path | None = None
    admin_token: str | None = None
    sandbox: bool = True
    smtp_url: str | None = None
    # The sender of every mail; default: the brand's name and LICENSOR_VENDOR_CONTACT.
    mail_from: str | None = None
    # Seconds to wait on the SMTP server (connect and each reply) before trying again later.
    smtp_timeout: float = 10.0
    # Larger request bodies are refused with 413 PAYLOAD_TOO_LARGE before they are read.
    max_body_bytes: int = 1024 * 1024
    # Release artifacts: a directory (default $LICENSOR_HOME/artifacts) or s3://bucket/prefix,
    # the largest file accepted (4 GiB), and an S3-compatible store's address when not AWS.
    artifacts: str | None = None
    max_artifact_bytes: int = Field(default=4 * 1024**3, ge=1)
    s3_endpoint_url: str | None = None
    # How long a download link works, in real time (the sandbox clock does not move it).
    download_link_seconds: int = Field(default=3600, ge=1, le=7 * 24 * 3600)
    stripe_secret_key: str | None = None
    # With the secret key: the card pages show Stripe's card element (Stripe.js from
    # https://js.stripe.com) instead of the Card token field.
    stripe_publishable_key: str | None = None
    stripe_webhook_secret: str | None = None
    # Where the Stripe client sends its API calls: Stripe's own address, or a stand-in in tests
    # or a proxy in production.
    stripe_api_base: str = "https://api.stripe.com"
    # The vendor's page where a customer confirms a payment their bank holds (3-D Secure) when
    # Stripe gives no link of its own; "{payment_intent}" is replaced by the PaymentIntent id.
    payment_action_url: str | None = None
    # How often `serve` runs due jobs in real time (seconds); 0 turns the loop off.
    jobs_interval: int = 60
    # Rate limits per client address (core/rate_limits.py): "" for the defaults, "off", or
    # overrides such as "validate=600/minute,lost_key=5/hour".
    rate_limits: str = ""
    # Where the rate-limit counts live; without it each process counts in its own memory.
    redis_url: str | None = None
    # Prefix of the rate-limit keys in Redis, so several installations can share one Redis.
    rate_limit_prefix: str = "licensor"
    # Argon2 cost of password hashes (core/passwords.py): "minimum" is for test suites only.
    password_hash_cost: Literal["default", "minimum"] = "default"
    # Addresses or networks of reverse proxies whose X-Forwarded-For names the client.
    trusted_proxies: str = ""
    # Let webhook endpoints in production (sandbox off) resolve to loopback, private or
    # link-local addresses: for receivers on the vendor's own network, knowingly.
    webhooks_allow_private: bool = False
    # Where the vendor hears about problems (a webhook endpoint disabled); default: mail_from.
    vendor_email: str | None = None
    # The seller on quotes, invoices, pages and mail; the portal's address for links in mail.
    vendor_name: str = "Licensor Demo Vendor"
    vendor_address: str = "1 Example Street, Springfield, USA"
    vendor_vat_id: str = ""
    vendor_contact: str = "licensing@localhost"
    vendor_payment_instructions: str = ("Bank transfer to the vendor's account, or a check to "
                                        "the address above; quote the invoice number.")
    public_url: str = "http://127.0.0.1:8000"
    # The vendor's brand on every page, document and mail (README, "The vendor's brand"): the
    # name (default LICENSOR_VENDOR_NAME), a logo file (PNG or JPEG) Licensor serves at
    # /brand/logo, and the accent colour (#rrggbb) of links, buttons and headings.
    brand_name: str | None = None
    brand_logo: Path | None = None
    brand_color: str = "#1457c4"
    # How money and dates read (Babel): a locale such as en_US or en_GB, and the dates' length
    # ("long": March 4, 2027; "medium": Mar 4, 2027 or 4 Mar 2027 in en_GB).
    locale: str = "en_US"
    date_format: Literal["long", "medium", "short"] = "long"
    # The vendor's terms; every message, document and help text is built from these values.
    # Orders may be paid by invoice from this total (major units of the quote's currency)...
    invoice_minimum: int = Field(default=300, ge=0)
    # ...within this many days ("Net 30").
    invoice_terms_days: int = Field(default=30, ge=1)
    # A quote holds its prices this long.
    quote_validity_days: int = Field(default=60, ge=1)
    # A paid order is refunded on request within this many days; later only when forced.
    refund_window_days: int = Field(default=60, ge=0)
    # A site whose subscription ended (suspended) is deleted this many days later.
    site_deletion_days: int = Field(default=90, ge=1)
    # Tax (docs/tax.md): the vendor's country (ISO alpha-2), where it collects tax ("EU" for
    # every member state through the One-Stop Shop, and/or codes such as "GB,NO"; empty: no
    # tax is collected), whether prices are net ("exclusive") or include the tax.
    vendor_country: str = ""
    tax_registrations: str = ""
    tax_mode: Literal["exclusive", "inclusive"] = "exclusive"
    # VAT IDs are also checked with the EU's VIES service: "on"/"off"; empty means off in
    # sandbox mode and on otherwise. An answer slower than vies_timeout seconds is "unverified".
    vies: Literal["on", "off", ""] = ""
    vies_url: str = "https://ec.europa.eu/taxation_customs/vies/rest-api"
    vies_timeout: float = Field(default=5.0, gt=0)
    # A declined renewal is tried again this many days after its first failure (rising, each
    # 1..365); when the last try fails too the subscription is suspended.
    dunning_days: str = "1,3,5,7"

    @field_validator("brand_color")
    @classmethod
    def _brand_color(cls, value: str) -> str:
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", value.strip()):
            raise ValueError("LICENSOR_BRAND_COLOR takes a colour as #rrggbb, e.g. #1457c4")
        return value.strip().lower()

    @field_validator("locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        return check_locale(value)

    @property
    def brand(self) -> str:
        return self.brand_name or self.vendor_name

    @property
    def sender(self) -> str:
        """Who every mail is from: LICENSOR_MAIL_FROM, else the brand at the vendor's contact."""
        return self.mail_from or formataddr((self.brand, self.vendor_contact))

    @field_validator("dunning_days")
    @classmethod
    def _dunning_days(cls, value: str) -> str:
        parts = [p.strip() for p in value.split(",")]
        if not all(p.isascii() and p.isdigit() for p in parts):
            raise ValueError("LICENSOR_DUNNING_DAYS takes whole days separated by commas, "
                             "e.g. 1,3,5,7")
        days = [int(p) for p in parts]
        if days[0] < 1 or days[-1] > 365 or any(a >= b for a, b in pairwise(days)):
            raise ValueError("LICENSOR_DUNNING_DAYS must rise from at least 1 to at most 365 "
                             "days, e.g. 1,3,5,7")
        return ",".join(str(d) for d in days)

    @property
    def dunning(self) -> tuple[timedelta, ...]:
        """When a declined renewal is tried again, counted from its first failure."""
        return tuple(timedelta(days=int(d)) for d in self.dunning_days.split(","))

    @property
    def invoice_terms(self) -> timedelta:
        return timedelta(days=self.invoice_terms_days)

    @property
    def quote_validity(self) -> timedelta:
        return timedelta(days=self.quote_validity_days)

    @property
    def refund_window(self) -> timedelta:
        return timedelta(days=self.refund_window_days)

    @property
    def site_deletion(self) -> timedelta:
        return timedelta(days=self.site_deletion_days)

    @property
    def vies_on(self) -> bool:
        return self.vies == "on" if self.vies else not self.sandbox

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'licensor.db').resolve()}"

    @property
    def artifacts_location(self) -> str:
        return self.artifacts or str(self.home / "artifacts")

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    @property
    def mail_dir(self) -> Path:
        return self.home / "mail"
