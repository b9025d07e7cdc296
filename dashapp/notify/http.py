"""The one outbound HTTP client: every webhook, Slack message and SMS request goes through `send`.

Addresses are checked where it matters, when the socket connects: the host is resolved, and if ANY of its
addresses is refused the request is refused (a name that resolves to both a public and a private address
cannot be used to reach the private one). The socket then connects to a vetted address, so a second DNS
answer (rebinding) cannot slip in between the check and the connection. TLS still verifies the certificate
against the host name.

Refused always: link-local (169.254.0.0/16, fe80::/10: cloud metadata lives there), multicast,
unspecified and reserved addresses. Refused unless allowed by settings: loopback, private ranges.
Redirects are not followed unless asked for; each hop followed is a new connection, checked again.
URLs are logged by scheme and host only: paths (Slack's secret) and credentials never reach a log.
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util import connection as urllib3_connection

from dashapp.settings import Settings

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # bytes of a response kept (receivers answer briefly; the rest is not read)
USER_AGENT = "healthdash-notify/1"
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutboundRefused(Exception):
    """The request may not be sent: a refused address, a bad URL. Never retried as is."""


@dataclass(frozen=True)
class OutboundPolicy:
    allow_loopback: bool = False
    allow_private: bool = False
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> OutboundPolicy:
        return cls(
            allow_loopback=settings.outbound_allow_loopback,
            allow_private=settings.outbound_allow_private,
            timeout=float(settings.outbound_timeout_seconds),
        )

    def refusal(self, address: IpAddress) -> str | None:
        """Why a connection to `address` is refused, or None when it is allowed."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if address.is_link_local:
            return "a link-local address"
        if address.is_multicast or address.is_unspecified:
            return "a reserved address"
        if address.is_loopback:
            return None if self.allow_loopback else "a loopback address"
        if address.is_reserved:
            return "a reserved address"
        if address.is_private or not address.is_global:
            return None if self.allow_private else "a private address"
        return None


@dataclass(frozen=True)
class HttpResult:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    url: str = ""  # where the answer came from (after redirects), redacted

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def text(self, limit: int = 500) -> str:
        return self.body[:limit].decode("utf-8", "replace")


def redact(url: str) -> str:
    """`scheme://host[:port]`: no credentials, path or query (they may hold secrets)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<invalid URL>"
    return f"{parts.scheme}://{host}{port}"


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def check_url(url: str) -> str:
    """The URL if it is an absolute http(s) URL with a host; `OutboundRefused` otherwise."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise OutboundRefused("not a valid URL") from None
    if parts.scheme not in ("http", "https"):
        raise OutboundRefused("only http and https URLs are allowed")
    if not parts.hostname:
        raise OutboundRefused("the URL has no host")
    return url


def vetted_addresses(host: str, port: int, policy: OutboundPolicy) -> list[tuple[Any, ...]]:
    """Resolve `host` and return its socket addresses, or raise if any of them is refused."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OutboundRefused(f"cannot resolve {host}: {exc.strerror}") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        why = policy.refusal(address)
        if why is not None:
            raise OutboundRefused(f"{host} resolves to {why} ({address}); outbound requests may not go there")
    return infos


class _Guarded:
    """Mixin for urllib3 connections: connect only to vetted addresses."""

    policy: OutboundPolicy
    host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any

    def _new_conn(self) -> socket.socket:
        infos = vetted_addresses(self._dns_host, self.port, self.policy)  # type: ignore[attr-defined]
        last: OSError | None = None
        for _family, _type, _proto, _name, sockaddr in infos:
            try:
                return urllib3_connection.create_connection(
                    (sockaddr[0], sockaddr[1]),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except OSError as exc:
                last = exc
        raise urllib3.exceptions.NewConnectionError(self, f"cannot connect to {self.host}: {last}")  # type: ignore[arg-type]


def _pool(scheme: str, host: str, port: int, policy: OutboundPolicy) -> HTTPConnectionPool:
    class Conn(_Guarded, HTTPSConnection if scheme == "https" else HTTPConnection):  # type: ignore[misc]
        pass

    Conn.policy = policy
    pool_cls = HTTPSConnectionPool if scheme == "https" else HTTPConnectionPool
    timeout = urllib3.Timeout(connect=policy.timeout, read=policy.timeout)
    pool = pool_cls(host, port=port, timeout=timeout, retries=False, maxsize=1)
    pool.ConnectionCls = Conn
    return pool


def send(
    method: str,
    url: str,
    *,
    policy: OutboundPolicy,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    max_redirects: int = 0,
) -> HttpResult:
    """Send one request and return the answer (any status). Raises `OutboundRefused` for a refused
    address or URL and `OSError`/urllib3 errors for network failures (timeouts included)."""
    all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    previous = url
    for _hop in range(max_redirects + 1):
        check_url(url)
        parts = urlsplit(url)
        if parts.username or parts.password:
            all_headers = {
                **all_headers,
                "Authorization": basic_auth(parts.username or "", parts.password or ""),
            }
        elif urlsplit(previous).netloc != parts.netloc:
            # Credentials are for the host they were given for, never for where it redirects to.
            all_headers = {k: v for k, v in all_headers.items() if k.lower() != "authorization"}
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        port = parts.port or (443 if parts.scheme == "https" else 80)
        pool = _pool(parts.scheme, parts.hostname or "", port, policy)
        try:
            response = pool.urlopen(
                method,
                target,
                body=body,
                headers=all_headers,
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
            try:
                data = response.read(MAX_BODY)
            finally:
                response.release_conn()
        finally:
            pool.close()
        log.info("outbound %s %s -> %s", method, redact(url), response.status)
        location = response.headers.get("Location")
        if 300 <= response.status < 400 and location and _hop < max_redirects:
            previous, url = url, urljoin(url, location)
            if response.status == 303:
                method, body = "GET", None
            continue
        return HttpResult(response.status, data, dict(response.headers), redact(url))
    raise AssertionError("unreachable")
