"""Who sent a request, and over what: the address the rate limits count and an order keeps as
evidence of the buyer's country; whether the customer's connection was HTTPS (cookies marked
Secure, the links Licensor hands out).

The client is the socket's peer address. X-Forwarded-For is believed only when that peer is
one of LICENSOR_TRUSTED_PROXIES, and then only as far as the proxies go: the header is read
from the right, and the first address that is not a trusted proxy is the client (anything to
its left was written by the client itself and proves nothing). Such a proxy's
X-Forwarded-Proto (its last value) says whether the customer came over HTTPS. The HTTP server
is told not to read these headers itself (core/serving.py), so this is the one rule, whichever
server runs.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.requests import Request
from starlette.types import Scope

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_REMEMBERED = 4096  # peers and proxied clients remembered; forgotten all at once beyond
_LONGEST_REMEMBERED = 200  # bytes of X-Forwarded-For: what a client writes there is not kept


def trusted_networks(setting: str) -> list[_Network]:
    """LICENSOR_TRUSTED_PROXIES read; ValueError, with what to write, for a bad entry."""
    networks = []
    for part in filter(None, (p.strip() for p in setting.split(","))):
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"LICENSOR_TRUSTED_PROXIES: '{part}' is not an IP address or "
                             "network; list proxies as 10.0.0.5,10.1.0.0/16.") from None
    return networks


class ClientAddresses:
    """The client address of a request's scope, by the rule above."""

    def __init__(self, trusted: Iterable[_Network] = ()) -> None:
        self.trusted = list(trusted)
        self._trusted_peer: dict[str, bool] = {}
        # (peer, the one X-Forwarded-For value) -> client: a proxied client's next requests
        # are answered without reading the header again.
        self._named: dict[tuple[str, bytes], str] = {}

    def of(self, scope: Scope) -> str:
        client = scope.get("client")
        peer = str(client[0]) if client else "unknown"
        if not self.trusted or not self._is_trusted(peer):
            return peer
        values = [value for name, value in scope["headers"] if name == b"x-forwarded-for"]
        if len(values) != 1 or len(values[0]) > _LONGEST_REMEMBERED:
            return self._named_by(values, peer)
        key = (peer, values[0])
        known = self._named.get(key)
        if known is None:
            known = self._named_by(values, peer)
            if len(self._named) >= _REMEMBERED:
                self._named.clear()
            self._named[key] = known
        return known

    def https(self, scope: Scope) -> bool:
        """The request came over HTTPS: to this server, or to a trusted proxy that says so."""
        if scope.get("scheme") == "https":
            return True
        client = scope.get("client")
        if not self.trusted or not client or not self._is_trusted(str(client[0])):
            return False
        said = [v for name, v in scope["headers"] if name == b"x-forwarded-proto"]
        return bool(said) and said[-1].split(b",")[-1].strip().lower() == b"https"

    def _named_by(self, values: list[bytes], peer: str) -> str:
        hops = [h.strip() for h in b",".join(values).decode("latin-1").split(",") if h.strip()]
        for hop in reversed(hops):
            if not self._is_trusted(hop):
                return hop[:64]
        return hops[0][:64] if hops else peer

    def _is_trusted(self, address: str) -> bool:
        known = self._trusted_peer.get(address)
        if known is None:
            try:
                ip = ipaddress.ip_address(address)
            except ValueError:
                known = False
            else:
                known = any(ip in network for network in self.trusted)
            # Peers are few behind proxies; what is longer than an address is never kept.
            if len(self._trusted_peer) < _REMEMBERED and len(address) <= 45:
                self._trusted_peer[address] = known
        return known


def _of(request: Request) -> ClientAddresses:
    clients: ClientAddresses = request.app.state.clients
    return clients


def is_https(request: Request) -> bool:
    """The customer's connection was HTTPS (a cookie set now is marked Secure)."""
    return _of(request).https(request.scope)


def base_url(request: Request) -> str:
    """This server's address as the customer reached it, for links handed out in answers."""
    url = request.base_url
    return str(url.replace(scheme="https") if is_https(request) else url)


def client_address(request: Request) -> str | None:
    """The client of a request (None where the server gives no peer, as in some tests)."""
    if request.scope.get("client") is None:
        return None
    return _of(request).of(request.scope)
