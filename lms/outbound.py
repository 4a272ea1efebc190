"""Outbound requests that cannot be pointed at the inside: the SSRF guard, shared by every feature that
fetches a URL someone typed in (webhook receivers, an organisation's OpenID Connect discovery and keys).

Only allowed schemes; the host is resolved when the connection is made and every address must be a
public one (no private, loopback, link-local, multicast, reserved or shared ranges), and the socket is
opened to the checked address itself, so DNS rebinding cannot swap it after the check. Redirects are
not followed by ``requests``: the caller follows 307/308 itself, and each hop goes through the same
check. Tests may allow loopback with an explicit setting (``WEBHOOK_ALLOW_LOOPBACK``,
``SSO_ALLOW_LOOPBACK_HTTP``; never in production); private and link-local ranges stay refused even then.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class BlockedTarget(ValueError):
    """The URL or an address it resolves to is not allowed."""


def address_allowed(ip: str, *, allow_loopback: bool = False) -> bool:
    addr = ipaddress.ip_address(ip.split("%")[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    if allow_loopback and addr.is_loopback:
        return True
    return addr.is_global and not (addr.is_multicast or addr.is_reserved or addr.is_link_local or addr.is_private)


def check_url(url: str, *, schemes, allow_loopback: bool = False, resolve: bool = True) -> None:
    """Refuse a URL whose scheme, form or resolved addresses are not allowed."""
    parts = urlsplit(url or "")
    if parts.scheme not in schemes:
        raise BlockedTarget(f"Only {', '.join(sorted(schemes))} URLs are allowed.")
    if not parts.hostname or parts.username or parts.password:
        raise BlockedTarget("Give a URL with a host name and no user name or password in it.")
    if resolve:
        resolve_checked(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
                        allow_loopback=allow_loopback)


def resolve_checked(host: str, port: int, *, allow_loopback: bool) -> list[tuple]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise BlockedTarget(f"The host {host} does not resolve.") from exc
    refused = [info[4][0] for info in infos if not address_allowed(info[4][0], allow_loopback=allow_loopback)]
    if refused or not infos:
        raise BlockedTarget(f"The host {host} resolves to an address that is not allowed ({refused[0] if refused else 'none'}).")
    return infos


def _connect(conn) -> socket.socket:
    infos = resolve_checked(conn._dns_host, conn.port, allow_loopback=conn.allow_loopback)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.settimeout(conn.timeout if isinstance(conn.timeout, (int, float)) else None)
    try:
        sock.connect(address)  # the checked address, not a second lookup
    except OSError:
        sock.close()
        raise
    return sock


class _GuardedHTTPConnection(HTTPConnection):
    allow_loopback = False

    def _new_conn(self):
        return _connect(self)


class _GuardedHTTPSConnection(HTTPSConnection):
    allow_loopback = False

    def _new_conn(self):
        return _connect(self)


def _pools(allow_loopback: bool):
    http_conn = type("HTTPConn", (_GuardedHTTPConnection,), {"allow_loopback": allow_loopback})
    https_conn = type("HTTPSConn", (_GuardedHTTPSConnection,), {"allow_loopback": allow_loopback})
    return {"http": type("HTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
            "https": type("HTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn})}


class GuardedAdapter(HTTPAdapter):
    def __init__(self, *, allow_loopback: bool = False, **kwargs):
        self._allow_loopback = allow_loopback
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pools(self._allow_loopback)


def session(*, allow_loopback: bool = False) -> requests.Session:
    s = requests.Session()
    s.trust_env = False  # no proxies from the environment: the guard must see the real target
    adapter = GuardedAdapter(allow_loopback=allow_loopback, max_retries=0)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s
