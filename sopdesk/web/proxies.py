"""Who the client is: `X-Forwarded-For` is believed only from the proxies the settings name.

Without configured proxies (the default) the connection's own address is the client, so a
header a client makes up cannot reset a per-address limit (sign-in, contact form, bot).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    """Sets the ASGI client to the right-most X-Forwarded-For address not a trusted proxy."""

    def __init__(self, app: ASGIApp, proxies: Iterable[str]) -> None:
        self.app = app
        self.networks: list[Network] = []
        self.names: set[str] = set()  # non-IP peers, e.g. a Unix socket's or a test client's
        for proxy in proxies:
            try:
                self.networks.append(ipaddress.ip_network(proxy.strip(), strict=False))
            except ValueError:
                self.names.add(proxy.strip())

    def trusted(self, address: str) -> bool:
        if address in self.names:
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] == "http" and client and self.trusted(client[0]):
            for hop in reversed(_forwarded_for(scope)):
                if not self.trusted(hop):
                    scope = {**scope, "client": (hop, 0)}
                    break
        await self.app(scope, receive, send)


def _forwarded_for(scope: Scope) -> list[str]:
    hops: list[str] = []
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-for":
            hops.extend(h.strip() for h in value.decode("latin-1").split(",") if h.strip())
    return hops
