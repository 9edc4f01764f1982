"""Where a webhook may go: HTTPS to public addresses only, unless configured otherwise.

Checked twice. When an endpoint is registered: the scheme, and a host that
is an IP literal or a local name. At every delivery: the host is resolved
and *every* address must be public (not private, loopback, link-local,
multicast, reserved, unspecified, or their IPv4-mapped forms); the request
then goes to the address that was checked (the TLS name stays the host), so
a DNS answer that changes between check and connect cannot redirect it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


class Refused(ValueError):
    """The URL or the address it resolves to is not allowed."""


def _public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_link_local)


def check_url(url: str, *, allow_http: bool, allow_private: bool) -> str:
    """The URL if it may be registered; raises Refused saying why."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise Refused("not a URL") from exc
    if parts.scheme != "https" and not (allow_http and parts.scheme == "http"):
        raise Refused("webhook endpoints must use https")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise Refused("the URL has no host")
    if parts.username or parts.password:
        raise Refused("the URL may not carry credentials")
    try:
        port = parts.port
    except ValueError as exc:
        raise Refused("the URL's port is not a port") from exc
    del port
    if allow_private:
        return url
    if host in LOCAL_NAMES or host.endswith(".localhost") or host.endswith(".local"):
        raise Refused("the host is a local name")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return url
    if not _public(ip):
        raise Refused("the host is not a public address")
    return url


async def resolve(host: str, port: int, *, allow_private: bool) -> str:
    """An address of ``host`` to connect to, every address checked; raises Refused."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OSError(f"cannot resolve the endpoint's host: {exc.strerror}") from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise OSError("the endpoint's host has no address")
    if not allow_private:
        for address in addresses:
            if not _public(ipaddress.ip_address(address.split("%")[0])):
                raise Refused("the endpoint resolves to an address that is not public")
    return addresses[0]
