"""Fetching what a credential points at (did:web documents, status lists) without SSRF.

A credential is untrusted input, and every URL in it is too. The rules are
the kernel's (``meriter_shared.outbound``): only ``https`` URLs to public
addresses, every address of a name checked and the connection pinned to a
checked one, every redirect (at most ``max_redirects``) checked as the
first URL was, answers bounded by ``max_bytes`` and the whole fetch by
``timeout_s``. The configured origins (``scheme://host[:port]``: the
platform's own services, a test server) are the only exception: any scheme
and address. Here, on top:

- Only a 200 answer is taken.
- Cache lifetimes come from ``Cache-Control`` (``no-store``/``no-cache`` →
  not kept; ``max-age`` → kept that long), bounded by the caller's limits.
  Fetches of one URL in flight at once share one request.

Nothing fetched is logged beyond its URL.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from meriter_shared.hygiene import MAX_JSON_DEPTH, nests_deeper_than
from meriter_shared.outbound import (
    OutboundClient,
    OutboundError,
    OutboundPolicy,
    address_is_public,
    origin_of,
)

__all__ = [
    "ACCEPT",
    "FetchRefused",
    "Fetched",
    "Fetcher",
    "address_is_public",
    "cache_ttl",
    "origin_of",
]

ACCEPT = (
    "application/did+json, application/vc+ld+json, application/ld+json;q=0.9, "
    "application/json;q=0.8"
)

# A URL was not fetched, or its answer not taken; the message says why. The
# kernel's outbound errors are it, so every refusal below is caught as one.
FetchRefused = OutboundError


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
        self.policy = OutboundPolicy.of(allow_origins=allow_origins)
        self.allowed = self.policy.allow_origins
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.default_ttl_s = default_ttl_s
        self.max_ttl_s = max_ttl_s
        self._client = OutboundClient(
            self.policy,
            timeout_s=timeout_s,
            max_bytes=max_bytes,
            max_redirects=max_redirects,
            ca_file=ca_file,
            user_agent="meriter-verifier",
            max_connections=64,
        )
        self._inflight: dict[str, asyncio.Future[Fetched]] = {}

    def check_url(self, url: str) -> None:
        """Refuse a URL that may not be fetched, before any connection."""
        self.policy.check_url(url)

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
        response = await self._client.get(url, headers=[("Accept", accept)], expect=(200,))
        return Fetched(
            url=response.url,
            body=response.body,
            content_type=response.headers.get("content-type", ""),
            ttl_s=cache_ttl(
                response.headers.get("cache-control"),
                default_s=self.default_ttl_s,
                max_s=self.max_ttl_s,
            ),
            etag=response.headers.get("etag"),
        )

    async def close(self) -> None:
        await self._client.aclose()
