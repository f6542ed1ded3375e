"""Rate limits on the public surface: an ASGI middleware outside every other one.

Validations are counted by the validate hot path (hot_path.py), which stands in front of this
stack, before their body is even read (`count`), and marked COUNTED so that a validation it
hands on is not counted twice here. Only the routes named in ROUTES are counted; every other
request passes through untouched.

The client counted is the one core/web/clients.py names (trusted proxies).
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from licensor.config import Settings
from licensor.core.rate_limits import RateLimiter, Refusal, parse_setting
from licensor.core.web.clients import ClientAddresses

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

# Set in the scope of a request already counted (by the validate hot path).
COUNTED = "licensor.rate_limit_counted"


def limiter_for(settings: Settings) -> RateLimiter | None:
    """The limiter the settings ask for; None when rate limits are off. Raises
    RateLimitConfigError at start-up for a setting it cannot read."""
    items = parse_setting(settings.rate_limits)
    if items is None:
        return None
    return RateLimiter(items, settings.redis_url, settings.rate_limit_prefix)


def limit_name(method: str, path: str) -> str | None:
    if method != "POST":
        return None
    name = ROUTES.get(path)
    if name is None and path.startswith("/v1/orders/") and path.endswith("/pay"):
        return "orders"  # paying by card: the card-testing route
    return name


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, limiter: RateLimiter, clients: ClientAddresses) -> None:
        self.app = app
        self.limiter = limiter
        self.clients = clients

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
        return self.limiter.hit(name, self.clients.of(scope))


async def refuse(refusal: Refusal, send: Send) -> None:
    body = json.dumps({"error": {"code": "RATE_LIMITED", "message": refusal.message,
                                 "details": refusal.details}}).encode()
    await send({"type": "http.response.start", "status": 429, "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(refusal.retry_after).encode())]})
    await send({"type": "http.response.body", "body": body})
