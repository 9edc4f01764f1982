"""DID resolution for verification: did:key locally, the platform's own did:web from
the issuer-identity projection, any other did:web over HTTPS (``fetch.py``).

Invariants:
- A resolved document's ``id`` is the DID asked for; anything else is an error.
- Answers are kept: platform identities until the projection changes (or
  ``ttl_s``), fetched documents as their ``Cache-Control`` says.
- A DID that does not resolve yields an error message, never an exception.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Any

from meriter_credentials.did import DidResolutionError, did_key_document, did_web_to_url
from meriter_shared.cache import TtlCache
from meriter_shared.db.types import Pool
from meriter_verifier.fetch import Fetcher, FetchRefused
from meriter_verifier.identities import repository


@dataclass(frozen=True)
class Resolved:
    did: str
    document: dict[str, Any] | None
    source: str  # "key", "platform", "web" or "none"
    institution_id: str | None = None  # a platform issuer's institution
    error: str | None = None


def own_url(url: str, issuer_url: str, fetch_url: str | None = None) -> str:
    """Where to fetch ``url`` when it names the platform issuer's host: on the
    issuer's own scheme (did:web says https; the one-machine issuer answers plain
    http) and at ``fetch_url`` when the issuer is reached elsewhere than its
    public URL."""
    try:
        target, issuer = urllib.parse.urlsplit(url), urllib.parse.urlsplit(issuer_url)
        inside = urllib.parse.urlsplit(fetch_url or issuer_url)
    except ValueError:
        return url  # the fetcher refuses it with its reason
    if target.netloc.lower() != issuer.netloc.lower():
        return url
    return urllib.parse.urlunsplit(target._replace(scheme=inside.scheme, netloc=inside.netloc))


class Resolver:
    def __init__(
        self,
        fetcher: Fetcher,
        issuer_url: str,
        *,
        ttl_s: float,
        cache_bytes: int,
        issuer_fetch_url: str | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.issuer_url = issuer_url
        self.issuer_fetch_url = issuer_fetch_url
        self.ttl_s = ttl_s
        self.platform: TtlCache[str, Resolved] = TtlCache(cache_bytes // 4 or 1)
        self.web: TtlCache[str, Resolved] = TtlCache(cache_bytes // 4 or 1)

    def forget_platform(self) -> None:
        self.platform.clear()

    async def resolve(self, pool: Pool, did: str) -> Resolved:
        did = did.split("#", 1)[0]
        if did.startswith("did:key:"):
            platform = await self._platform(pool, did)
            try:
                document = did_key_document(did)
            except DidResolutionError as exc:
                return Resolved(did, None, "none", error=str(exc))
            institution = platform.institution_id if platform else None
            return Resolved(did, document, "key", institution)
        if did.startswith("did:web:"):
            platform = await self._platform(pool, did)
            if platform is not None and platform.document is not None:
                return platform
            return await self._web(did)
        method = did.split(":")[1] if did.count(":") >= 2 else did
        return Resolved(did, None, "none", error=f"the DID method {method!r} is not supported")

    async def _platform(self, pool: Pool, did: str) -> Resolved | None:
        found = self.platform.get(did)
        if found is not None:
            return found if found.source != "none" else None
        async with pool.acquire() as conn:
            row = await repository.by_did(conn, did)
        if row is None:
            resolved = Resolved(did, None, "none")
        else:
            institution_id, current, document = row
            same = current == did
            resolved = Resolved(did, document if same else None, "platform", institution_id)
        self.platform.put(did, resolved, ttl_s=self.ttl_s, size=1 + len(str(resolved.document)))
        return resolved if resolved.source != "none" else None

    async def _web(self, did: str) -> Resolved:
        found = self.web.get(did)
        if found is not None:
            return found
        try:
            url = own_url(did_web_to_url(did), self.issuer_url, self.issuer_fetch_url)
            fetched = await self.fetcher.get(url)
            document = fetched.json()
        except (DidResolutionError, FetchRefused) as exc:
            return Resolved(did, None, "none", error=str(exc))
        if not isinstance(document, dict) or document.get("id") != did:
            return Resolved(did, None, "none", error=f"the document at {url} is not {did}'s")
        resolved = Resolved(did, document, "web")
        self.web.put(did, resolved, ttl_s=fetched.ttl_s, size=len(fetched.body))
        return resolved
