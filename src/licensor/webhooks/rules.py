"""Pure rules of outbound webhooks: the catalog, secrets and signatures (Standard Webhooks),
the retry schedule, and which URLs and addresses may be called. No I/O here."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from licensor.webhooks.enums import EventName

# The fixed catalog: names are a contract with the vendor's systems.
EVENT_TYPES = tuple(EventName)
ALL = "*"

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # at least 24
ROTATION_OVERLAP = timedelta(hours=24)

# After the 1st, 2nd, ... failed attempt the next waits this long; after one failure more the
# delivery is failed.
RETRY_DELAYS = (timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30),
                timedelta(hours=2), timedelta(hours=5), timedelta(hours=10), timedelta(hours=10))
# A receiver's Retry-After is honoured up to this long (a typo of a year must not park events).
MAX_RETRY_AFTER = timedelta(hours=24)
DISABLE_AFTER = timedelta(days=3)  # of nothing but failures
EVENTS_KEPT = timedelta(days=90)
TIMEOUT_SECONDS = 10.0
BODY_KEPT = 2048  # bytes of a receiver's answer kept with the delivery


def unknown_types(types: Iterable[str]) -> list[str]:
    return [t for t in types if t != ALL and t not in EVENT_TYPES]


def subscribed(types: Sequence[str], event_type: str) -> bool:
    return ALL in types or event_type in types


# -- secrets and signatures -----------------------------------------------------------------------

def new_secret(random_bytes: bytes) -> str:
    assert len(random_bytes) >= 24
    return SECRET_PREFIX + base64.b64encode(random_bytes).decode()


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256>` of "{id}.{timestamp}.{body}" keyed with the secret's bytes."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def live_secrets(secret: str, previous: str | None, previous_until: datetime | None,
                 now: datetime) -> list[str]:
    """The secrets that sign now: the current one, and the previous one during its overlap."""
    if previous and previous_until is not None and now < previous_until:
        return [secret, previous]
    return [secret]


def signature_header(secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    return " ".join(signature(s, msg_id, timestamp, body) for s in secrets)


# -- retries --------------------------------------------------------------------------------------

def next_attempt(attempt: int, failed_at: datetime, retry_after: timedelta | None = None
                 ) -> datetime | None:
    """When to try again after attempt number `attempt` failed; None once the schedule is spent.
    A receiver's Retry-After replaces the schedule's wait (up to MAX_RETRY_AFTER)."""
    if attempt > len(RETRY_DELAYS):
        return None
    wait = RETRY_DELAYS[attempt - 1]
    if retry_after is not None:
        wait = min(max(retry_after, timedelta(0)), MAX_RETRY_AFTER)
    return failed_at + wait


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """Retry-After as seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when - now, timedelta(0))


# -- URLs and addresses ---------------------------------------------------------------------------

def url_problem(url: str, *, production: bool) -> str | None:
    """Why `url` cannot be a webhook endpoint (its form only; addresses are checked apart)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http(s) URL with a host name"
    if production and parts.scheme != "https":
        return "must use https://"
    if parts.username or parts.password:
        return "must not carry a user name or password"
    return None


# IPv6 forms that carry an IPv4 address inside (NAT64's well-known prefix, IPv4-compatible;
# both also lie in the reserved ::/8); 6to4 and Teredo ones `ipaddress` reads itself.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # local use: its embedding varies
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address reaches through (a 6to4 router, a NAT64, a Teredo
    server and client...): https://[2002:7f00:1::]/ is 127.0.0.1 by another name."""
    found = [ip.sixtofour] if ip.sixtofour is not None else []
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if ip in _NAT64 or ip in _IPV4_COMPATIBLE:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def _ip_refused(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast
            or ip.is_unspecified or ip.is_reserved or not ip.is_global)


def address_refused(address: str) -> bool:
    """Loopback, private, link-local, multicast, unspecified or reserved: never called in
    production (the vendor's own network is no place for a webhook to reach). An IPv6 address
    embedding an IPv4 one is refused when that IPv4 address would be."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # the IPv4 address itself, on a dual-stack socket
            return _ip_refused(ip.ipv4_mapped)
        if ip in _NAT64_LOCAL or any(_ip_refused(v4) for v4 in _embedded_ipv4(ip)):
            return True
    return _ip_refused(ip)
