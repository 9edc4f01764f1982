"""Fetching what a credential points at (did:web documents, status lists) without SSRF.

A credential is untrusted input, and every URL in it is too. Invariants:

- Only ``https`` URLs are fetched, and only from public addresses: a host is
  resolved first and refused when any of its addresses is loopback,
  private, link-local (cloud metadata at 169.254.169.254), multicast,
  reserved or unspecified (IPv4-mapped IPv6 addresses are judged as IPv4).
  The connection goes to the address that was checked, so a second DNS
  answer cannot swap it (TLS still verifies the host's name).
- The configured origins (``scheme://host[:port]``: the platform's own
  services, a test server) are the only exception: any scheme and address.
- Redirects are followed here, at most ``max_redirects``, and each target is
  checked as the first URL was.
- A body larger than ``max_bytes`` is refused as it streams (a declared
  ``Content-Length`` over it before reading), and the whole fetch —
  resolution, connection, redirects, body — ends after ``timeout_s``.
- Cache lifetimes come from ``Cache-Control`` (``no-store``/``no-cache`` →
  not kept; ``max-age`` → kept that long), bounded by the caller's limits.
  Fetches of one URL in flight at once share one request.

Nothing fetched is logged beyond its URL.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
import ssl
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpcore

from meriter_shared.hygiene import MAX_JSON_DEPTH, nests_deeper_than

ACCEPT = (
    "application/did+json, application/vc+ld+json, application/ld+json;q=0.9, "
    "application/json;q=0.8"
)
_REDIRECTS = {301, 302, 303, 307, 308}


class FetchRefused(Exception):
    """A URL was not fetched, or its answer not taken; the message says why."""


def address_is_public(address: str) -> bool:
    """Whether an IP address may be reached on behalf of an untrusted credential."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(
        ip.is_global
        and not ip.is_multicast
        and not ip.is_reserved
        and not ip.is_unspecified
        and not ip.is_loopback
        and not ip.is_link_local
        and not ip.is_private
    )


def origin_of(url: str) -> str:
    """``scheme://host:port`` with the port always given (default ports filled in)."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


@dataclass(frozen=True)
class Fetched:
    url: str  # where the body came from, after redirects
    body: bytes
    content_type: str
    ttl_s: float  # how long it may be kept (0: not at all)
    etag: str | None

    def json(self) -> Any:
        if nests_deeper_than(self.body, MAX_JSON_DEPTH):
            raise FetchRefused(f"{self.url}: the JSON nests deeper than {MAX_JSON_DEPTH} levels")
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise FetchRefused(f"{self.url}: the answer is not JSON") from exc


def cache_ttl(cache_control: str | None, *, default_s: float, max_s: float) -> float:
    """Seconds an answer may be kept, by its ``Cache-Control`` header."""
    if not cache_control:
        return min(default_s, max_s)
    directives: dict[str, str | None] = {}
    for part in cache_control.split(","):
        name, _, value = part.strip().partition("=")
        directives[name.strip().lower()] = value.strip().strip('"') or None
    if "no-store" in directives or "no-cache" in directives:
        return 0.0
    for name in ("s-maxage", "max-age"):
        given = directives.get(name)
        if given is not None:
            try:
                return max(0.0, min(float(int(given)), max_s))
            except ValueError:
                return 0.0
    return min(default_s, max_s)


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to vetted addresses: resolves, checks every address, connects
    to a checked one. Hosts of the allowed origins may be anything."""

    def __init__(self, trusted_hosts: set[tuple[str, int]]) -> None:
        self.inner = httpcore.AnyIOBackend()
        self.trusted_hosts = trusted_hosts

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if (host.lower().strip("[]"), port) in self.trusted_hosts:
            return await self.inner.connect_tcp(host, port, timeout, local_address, socket_options)
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError as exc:
            raise FetchRefused(f"{host} cannot be resolved") from exc
        addresses = sorted({str(info[4][0]) for info in infos})
        if not addresses:
            raise FetchRefused(f"{host} cannot be resolved")
        blocked = [a for a in addresses if not address_is_public(a)]
        if blocked:
            raise FetchRefused(f"{host} resolves to a non-public address ({blocked[0]})")
        return await self.inner.connect_tcp(
            addresses[0], port, timeout, local_address, socket_options
        )

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class Fetcher:
    """GETs documents under the rules in the module docstring."""

    def __init__(
        self,
        *,
        allow_origins: Iterable[str] = (),
        timeout_s: float = 5.0,
        max_bytes: int = 2 * 1024 * 1024,
        max_redirects: int = 3,
        default_ttl_s: float = 300.0,
        max_ttl_s: float = 3600.0,
        ca_file: str | None = None,
    ) -> None:
        self.allowed = {origin_of(o) for o in allow_origins if o}
        trusted = set()
        for origin in self.allowed:
            parts = urllib.parse.urlsplit(origin)
            trusted.add(((parts.hostname or "").lower(), parts.port or 0))
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.default_ttl_s = default_ttl_s
        self.max_ttl_s = max_ttl_s
        context = ssl.create_default_context()
        if ca_file:
            context.load_verify_locations(ca_file)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=64,
            keepalive_expiry=30.0,
            network_backend=_GuardedBackend(trusted),
        )
        self._inflight: dict[str, asyncio.Future[Fetched]] = {}

    def check_url(self, url: str) -> None:
        """Refuse a URL that may not be fetched, before any connection."""
        try:
            parts = urllib.parse.urlsplit(url)
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError as exc:
            raise FetchRefused(f"{url!r} is not a URL") from exc
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise FetchRefused(f"{url!r} is not an http(s) URL")
        if parts.username or parts.password:
            raise FetchRefused(f"{url!r} carries credentials")
        if origin_of(url) in self.allowed:
            return
        if parts.scheme.lower() != "https":
            raise FetchRefused(f"{url} is not https")
        host = parts.hostname
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return  # a name: its addresses are checked when connecting
        if not address_is_public(host):
            raise FetchRefused(f"{url} points at a non-public address")

    async def get(self, url: str, *, accept: str = ACCEPT) -> Fetched:
        """The document at ``url`` (concurrent calls for one URL share the request)."""
        pending = self._inflight.get(url)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Fetched] = asyncio.get_running_loop().create_future()
        self._inflight[url] = future
        try:
            result = await self._get(url, accept)
        except BaseException as exc:
            future.set_exception(exc if isinstance(exc, Exception) else FetchRefused("cancelled"))
            future.exception()  # retrieved: no "never retrieved" warning
            raise
        finally:
            self._inflight.pop(url, None)
        future.set_result(result)
        return result

    async def _get(self, url: str, accept: str) -> Fetched:
        try:
            async with asyncio.timeout(self.timeout_s):
                return await self._follow(url, accept)
        except TimeoutError as exc:
            raise FetchRefused(f"{url}: no complete answer within {self.timeout_s:g}s") from exc
        except FetchRefused:
            raise
        except (httpcore.TimeoutException, OSError, ssl.SSLError) as exc:
            raise FetchRefused(f"{url}: {type(exc).__name__}") from exc
        except httpcore.ConnectError as exc:
            cause = exc.__context__ or exc.__cause__
            if isinstance(cause, FetchRefused):
                raise cause from None
            raise FetchRefused(f"{url}: cannot connect") from exc
        except httpcore.NetworkError as exc:
            raise FetchRefused(f"{url}: network error") from exc
        except (httpcore.ProtocolError, httpcore.UnsupportedProtocol) as exc:
            raise FetchRefused(f"{url}: not a valid HTTP answer") from exc
        except Exception as exc:  # a URL or answer nothing above foresaw: refused, never a 5xx
            raise FetchRefused(f"{url}: cannot be fetched ({type(exc).__name__})") from exc

    async def _follow(self, url: str, accept: str) -> Fetched:
        current = url
        for hop in range(self.max_redirects + 1):
            self.check_url(current)
            async with self._pool.stream(
                "GET",
                current,
                headers=[("Accept", accept), ("User-Agent", "meriter-verifier")],
                extensions={
                    "timeout": {
                        "connect": self.timeout_s,
                        "read": self.timeout_s,
                        "write": self.timeout_s,
                        "pool": self.timeout_s,
                    }
                },
            ) as response:
                headers = {
                    k.decode("latin-1").lower(): v.decode("latin-1") for k, v in response.headers
                }
                if response.status in _REDIRECTS:
                    location = headers.get("location")
                    if not location:
                        raise FetchRefused(f"{current}: a redirect without a Location")
                    if hop == self.max_redirects:
                        raise FetchRefused(f"{url}: more than {self.max_redirects} redirects")
                    current = urllib.parse.urljoin(current, location)
                    continue
                if response.status != 200:
                    raise FetchRefused(f"{current}: HTTP {response.status}")
                declared = headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.max_bytes:
                    raise FetchRefused(f"{current}: larger than {self.max_bytes} bytes")
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_stream():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise FetchRefused(f"{current}: larger than {self.max_bytes} bytes")
                    chunks.append(chunk)
                return Fetched(
                    url=current,
                    body=b"".join(chunks),
                    content_type=headers.get("content-type", ""),
                    ttl_s=cache_ttl(
                        headers.get("cache-control"),
                        default_s=self.default_ttl_s,
                        max_s=self.max_ttl_s,
                    ),
                    etag=headers.get("etag"),
                )
        raise FetchRefused(f"{url}: more than {self.max_redirects} redirects")  # unreachable

    async def close(self) -> None:
        await self._pool.aclose()


K = TypeVar("K")
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """Entries kept until they expire, least recently used dropped past ``max_bytes``."""

    def __init__(self, max_bytes: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_bytes = max_bytes
        self.clock = clock
        self._entries: OrderedDict[K, tuple[float, int, V]] = OrderedDict()
        self._bytes = 0

    def get(self, key: K) -> V | None:
        found = self._entries.get(key)
        if found is None:
            return None
        expires, _, value = found
        if expires <= self.clock():
            self.pop(key)
            return None
        self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V, *, ttl_s: float, size: int) -> None:
        self.pop(key)
        if ttl_s <= 0 or size > self.max_bytes:
            return
        self._entries[key] = (self.clock() + ttl_s, size, value)
        self._bytes += size
        while self._bytes > self.max_bytes and self._entries:
            _, (_, dropped, _) = self._entries.popitem(last=False)
            self._bytes -= dropped

    def pop(self, key: K) -> None:
        found = self._entries.pop(key, None)
        if found is not None:
            self._bytes -= found[1]

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

    def snapshot(self) -> list[K]:
        """The keys held now (expired ones included until next read)."""
        return list(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


async def cached(
    cache: TtlCache[K, V], key: K, load: Callable[[], Awaitable[tuple[V, float, int]]]
) -> V:
    """The cached value of ``key``, or ``load()``'s (value, ttl, size), kept."""
    found = cache.get(key)
    if found is not None:
        return found
    value, ttl_s, size = await load()
    cache.put(key, value, ttl_s=ttl_s, size=size)
    return value
