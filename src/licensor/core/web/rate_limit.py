"""Rate limits on the public surface: an ASGI middleware outside every other one.

Validations are counted by the validate hot path (hot_path.py), which stands in front of this
stack, before their body is even read (`count`), and marked COUNTED so that a validation it
hands on is not counted twice here. Only the routes named in ROUTES are counted; every other
request passes through untouched.

The client is the socket's peer address. X-Forwarded-For is believed only when that peer is
one of LICENSOR_TRUSTED_PROXIES, and then only as far as the proxies go: the header is read
from the right, and the first address that is not a trusted proxy is the client (anything to
its left was written by the client itself and proves nothing).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from licensor.config import Settings
from licensor.core.rate_limits import RateLimiter, Refusal, parse_setting

ROUTES: dict[str, str] = {
    "/v1/licenses/validate": "validate",
    "/v1/updates/check": "updates",
    # A download link and a license file are asked for with the same License Information an
    # update check reads: guessing keys there costs the same budget.
    "/v1/downloads": "updates",
    "/v1/licenses/checkout": "updates",
    "/v1/registrations": "registrations",
    "/v1/registrations/unregister": "registrations",
    "/v1/quotes": "quotes",
    "/v1/orders": "orders",
    "/v1/sessions": "sessions",
    "/v1/accounts": "accounts",
    "/v1/licenses/lost-key": "lost_key",
}

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# Set in the scope of a request already counted (by the validate hot path).
COUNTED = "licensor.rate_limit_counted"


def limiter_for(settings: Settings) -> RateLimiter | None:
    """The limiter the settings ask for; None when rate limits are off. Raises
    RateLimitConfigError at start-up for a setting it cannot read."""
    items = parse_setting(settings.rate_limits)
    if items is None:
        return None
    return RateLimiter(items, settings.redis_url, settings.rate_limit_prefix)


def trusted_networks(setting: str) -> list[_Network]:
    networks = []
    for part in filter(None, (p.strip() for p in setting.split(","))):
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"LICENSOR_TRUSTED_PROXIES: '{part}' is not an IP address or "
                             "network; list proxies as 10.0.0.5,10.1.0.0/16.") from None
    return networks


def limit_name(method: str, path: str) -> str | None:
    if method != "POST":
        return None
    name = ROUTES.get(path)
    if name is None and path.startswith("/v1/orders/") and path.endswith("/pay"):
        return "orders"  # paying by card: the card-testing route
    return name


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, limiter: RateLimiter, trusted: Iterable[_Network] = ()
                 ) -> None:
        self.app = app
        self.limiter = limiter
        self.trusted = list(trusted)
        self._trusted_peer: dict[str, bool] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and COUNTED not in scope:
            name = limit_name(scope["method"], scope["path"].rstrip("/") or "/")
            if name is not None:
                refusal = self.count(name, scope)
                if refusal is not None:
                    await refuse(refusal, send)
                    return
        await self.app(scope, receive, send)

    def count(self, name: str, scope: Scope) -> Refusal | None:
        """Count this request against the limit `name`; the refusal when it is over."""
        return self.limiter.hit(name, self.client_address(scope))

    def _is_trusted(self, address: str) -> bool:
        known = self._trusted_peer.get(address)
        if known is None:
            try:
                ip = ipaddress.ip_address(address)
            except ValueError:
                known = False
            else:
                known = any(ip in network for network in self.trusted)
            if len(self._trusted_peer) < 4096:  # peers are few behind proxies; bound it anyway
                self._trusted_peer[address] = known
        return known

    def client_address(self, scope: Scope) -> str:
        client = scope.get("client")
        peer = str(client[0]) if client else "unknown"
        if not self.trusted or not self._is_trusted(peer):
            return peer
        values = [value for name, value in scope["headers"] if name == b"x-forwarded-for"]
        if len(values) == 1 and b"," not in values[0]:  # one proxy named one client: the usual
            hop = values[0].decode("latin-1").strip()
            if hop and not self._is_trusted(hop):
                return hop[:64]
        hops = [h.strip() for h in b",".join(values).decode("latin-1").split(",") if h.strip()]
        for hop in reversed(hops):
            if not self._is_trusted(hop):
                return hop[:64]
        return hops[0][:64] if hops else peer


async def refuse(refusal: Refusal, send: Send) -> None:
    body = json.dumps({"error": {"code": "RATE_LIMITED", "message": refusal.message,
                                 "details": refusal.details}}).encode()
    await send({"type": "http.response.start", "status": 429, "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(refusal.retry_after).encode())]})
    await send({"type": "http.response.body", "body": body})
