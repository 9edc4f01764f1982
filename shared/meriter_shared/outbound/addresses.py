"""Which destinations an outbound request may reach: the one address rule.

A URL taken from untrusted input (a credential, a webhook registration) must
not make a service reach into its own network. Invariants:

- An address is public only when it is globally routable and none of
  loopback, private, link-local (cloud metadata at 169.254.169.254),
  site-local, multicast, reserved, unspecified or shared (CGNAT,
  100.64.0.0/10). An address that embeds an IPv4 address (IPv4-mapped
  ``::ffff:a.b.c.d``, 6to4 ``2002::/16``, NAT64 ``64:ff9b::/96``) is judged
  by the IPv4 address it carries; local-use NAT64 (``64:ff9b:1::/48``) never
  is public.
- Names that only mean something locally (``localhost``, ``*.localhost``,
  ``*.local``, ``*.internal`` and the loopback aliases) are refused before
  any lookup; any other name is resolved once, *every* address it resolves
  to must be allowed, and the connection goes to one of those checked
  addresses (``resolve``), so a second DNS answer cannot swap it.
- Exceptions are explicit and narrow: ``allow_origins`` (exact
  ``scheme://host:port``: the platform's own services) may be reached by any
  scheme at any address; ``allow_loopback`` (tests only) admits loopback
  addresses and ``localhost`` but nothing else that is not public;
  ``allow_non_public`` (an operator's choice for a closed network) admits
  every address and name.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import urllib.parse
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Resolves (host, port) to addresses; ``getaddrinfo`` unless a test injects one.
Resolver = Callable[[str, int], Awaitable[list[str]]]

LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
LOCAL_SUFFIXES = (".localhost", ".local", ".internal")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


class OutboundError(Exception):
    """A request did not produce an answer that may be used; the message says why."""


class Reason(StrEnum):
    NOT_A_URL = "not-a-url"
    SCHEME = "scheme"
    NO_HOST = "no-host"
    CREDENTIALS = "credentials"
    PORT = "port"
    LOCAL_NAME = "local-name"
    NON_PUBLIC = "non-public"  # an IP literal in the URL
    RESOLVES_NON_PUBLIC = "resolves-non-public"  # a name, after resolution


class Refused(OutboundError):
    """The destination may not be reached (retrying will not change that).

    ``reason`` names the rule, so a caller may word it for its own users.
    """

    def __init__(self, message: str, reason: Reason) -> None:
        super().__init__(message)
        self.reason = reason


class Unresolvable(OutboundError):
    """The host has no address (now: DNS may answer later)."""


def _embedded_ipv4(ip: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64), else itself."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def parse_address(address: str) -> IPAddress | None:
    """The IP address ``address`` spells (zone id dropped), or None."""
    try:
        return ipaddress.ip_address(address.split("%", 1)[0].strip("[]"))
    except ValueError:
        return None


def address_is_public(address: str | IPAddress) -> bool:
    """Whether an address may be reached on behalf of untrusted input."""
    ip = parse_address(address) if isinstance(address, str) else address
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and (ip in _NAT64_LOCAL or ip.is_site_local):
        return False
    ip = _embedded_ipv4(ip)
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return False
    return bool(
        ip.is_global
        and not ip.is_multicast
        and not ip.is_reserved
        and not ip.is_unspecified
        and not ip.is_loopback
        and not ip.is_link_local
        and not ip.is_private
    )


def address_is_loopback(address: str | IPAddress) -> bool:
    ip = parse_address(address) if isinstance(address, str) else address
    return ip is not None and _embedded_ipv4(ip).is_loopback


def is_local_name(host: str) -> bool:
    """Whether ``host`` is a name that only means something on this machine or network."""
    name = host.rstrip(".").lower()
    return name in LOCAL_NAMES or name.endswith(LOCAL_SUFFIXES)


def origin_of(url: str) -> str:
    """``scheme://host:port`` with the port always given (default ports filled in)."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


@dataclass(frozen=True, slots=True)
class Target:
    """A URL that passed the checks made before connecting."""

    url: str
    scheme: str
    host: str  # lower case, no brackets, no trailing dot
    port: int
    trusted: bool  # an allowed origin: any address


async def getaddrinfo_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True, slots=True)
class OutboundPolicy:
    """Where requests may go (see the module docstring)."""

    allow_http: bool = False
    allow_origins: frozenset[str] = field(default_factory=frozenset)
    allow_loopback: bool = False
    allow_non_public: bool = False

    @classmethod
    def of(
        cls,
        *,
        allow_origins: Iterable[str] = (),
        allow_http: bool = False,
        allow_loopback: bool = False,
        allow_non_public: bool = False,
    ) -> OutboundPolicy:
        return cls(
            allow_http=allow_http,
            allow_origins=frozenset(origin_of(o) for o in allow_origins if o),
            allow_loopback=allow_loopback,
            allow_non_public=allow_non_public,
        )

    @property
    def trusted_hosts(self) -> frozenset[tuple[str, int]]:
        """(host, port) of the allowed origins: connected to without address checks."""
        out = set()
        for origin in self.allow_origins:
            parts = urllib.parse.urlsplit(origin)
            out.add(((parts.hostname or "").lower(), parts.port or 0))
        return frozenset(out)

    def address_allowed(self, address: str | IPAddress) -> bool:
        if self.allow_non_public or address_is_public(address):
            return True
        return self.allow_loopback and address_is_loopback(address)

    def name_allowed(self, host: str) -> bool:
        if self.allow_non_public or not is_local_name(host):
            return True
        name = host.rstrip(".").lower()
        return self.allow_loopback and (name == "localhost" or name.endswith(".localhost"))

    def check_url(self, url: str) -> Target:
        """The URL's target if it may be requested; raises ``Refused`` saying why.

        Names are judged here by their form only; their addresses are checked
        when connecting (``resolve``).
        """
        try:
            parts = urllib.parse.urlsplit(url)
            port = parts.port
        except ValueError as exc:
            reason = Reason.PORT if "port" in str(exc).lower() else Reason.NOT_A_URL
            raise Refused(f"{url!r} is not a URL", reason) from exc
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise Refused(f"{url!r} is not an http(s) URL", Reason.SCHEME)
        host = (parts.hostname or "").rstrip(".").lower()
        if not host:
            raise Refused(f"{url!r} has no host", Reason.NO_HOST)
        if parts.username is not None or parts.password is not None:
            raise Refused(f"{url!r} carries credentials", Reason.CREDENTIALS)
        port = port or (443 if scheme == "https" else 80)
        if origin_of(url) in self.allow_origins:
            return Target(url, scheme, host, port, trusted=True)
        if scheme != "https" and not self.allow_http:
            raise Refused(f"{url} is not https", Reason.SCHEME)
        if not self.name_allowed(host):
            raise Refused(f"{url} points at a non-public address (a local name)", Reason.LOCAL_NAME)
        ip = parse_address(host)
        if ip is not None and not self.address_allowed(ip):
            raise Refused(f"{url} points at a non-public address", Reason.NON_PUBLIC)
        return Target(url, scheme, host, port, trusted=False)

    async def resolve(self, host: str, port: int, resolver: Resolver = getaddrinfo_resolver) -> str:
        """The address to connect to for ``host``: resolved once, every address checked.

        Raises ``Unresolvable`` when there is no address, ``Refused`` when
        any address is not allowed (one bad answer taints the name: a client
        may not pick the good one and leave the rest to a retry).
        """
        host = host.strip("[]")
        if parse_address(host) is not None:
            addresses = [host]
        else:
            if not self.name_allowed(host):
                raise Refused(f"{host} is a local name", Reason.LOCAL_NAME)
            try:
                addresses = await resolver(host, port)
            except OSError as exc:
                raise Unresolvable(f"{host} cannot be resolved ({exc})") from exc
        if not addresses:
            raise Unresolvable(f"{host} cannot be resolved")
        blocked = [a for a in addresses if not self.address_allowed(a)]
        if blocked:
            raise Refused(
                f"{host} resolves to a non-public address ({blocked[0]})",
                Reason.RESOLVES_NON_PUBLIC,
            )
        return addresses[0]  # the resolver's preferred order (RFC 6724)
