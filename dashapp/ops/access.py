"""Who may read /metrics: a direct client from the allowed addresses, or anyone with the metrics token.

A request relayed by a proxy (it carries X-Forwarded-For, Forwarded or X-Real-IP) is never let in by address:
a reverse proxy on the same host would otherwise make every visitor look like 127.0.0.1.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping

from dashapp.settings import Settings

PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def address_allowed(remote_addr: str | None, allowed: tuple[str, ...]) -> bool:
    if not remote_addr:
        return False
    try:
        address = ipaddress.ip_address(remote_addr.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in ipaddress.ip_network(item, strict=False) for item in allowed)


def token_matches(authorization: str | None, token: str) -> bool:
    if not token or not authorization:
        return False
    scheme, _, presented = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())


def may_read_metrics(settings: Settings, remote_addr: str | None, headers: Mapping[str, str]) -> bool:
    if token_matches(headers.get("Authorization"), settings.metrics_token):
        return True
    if any(headers.get(name) for name in PROXY_HEADERS):
        return False
    return address_allowed(remote_addr, settings.metrics_allowed_ips)
