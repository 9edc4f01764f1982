"""Bitstring Status Lists for verification: fetched, checked once, kept.

Invariants:
- A list credential is fetched (``fetch.py`` rules), its proof checked
  against its issuer's DID document and its shape checked once; the checked
  list is kept as long as its ``Cache-Control`` (and its own ``ttl``) allow,
  so a warm verification reads a bit and nothing more.
- Validity dates, the credential's issuer and the entry's purpose are checked
  on every read (``VerifiedStatusList.status``).
- The platform's own lists (under ``issuer_url``) are forgotten as soon as the
  projection sees a status event, so a revocation shows within a poll.
- Any failure is an error result, never "valid".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from meriter_credentials.did import OfflineResolver
from meriter_credentials.statuslist import (
    StatusEntry,
    StatusListError,
    VerifiedStatusList,
    verify_status_list_credential,
)
from meriter_credentials.verification import VERIFY_MAX_WORK
from meriter_shared.cache import TtlCache
from meriter_shared.db.types import Pool
from meriter_verifier.fetch import Fetcher, FetchRefused
from meriter_verifier.identities.resolver import Resolver, own_url

RunCpu = Callable[..., Awaitable[Any]]


def check_list(
    url: str, document: dict[str, Any], did_docs: dict[str, dict[str, Any]], now: datetime
) -> VerifiedStatusList:
    """The CPU part: the list credential's proof and shape (picklable, for the pool)."""
    return verify_status_list_credential(
        url, document, resolver=OfflineResolver(did_docs), now=now, max_work=VERIFY_MAX_WORK
    )


def sibling(url: str, purpose: str) -> str:
    """The platform's list of ``purpose`` sharing an index space with ``url``
    (``…-revocation`` ↔ ``…-suspension``; see the issuer's ``StatusLists.sibling``)."""
    return f"{url.rsplit('-', 1)[0]}-{purpose}"


class StatusLists:
    def __init__(
        self,
        fetcher: Fetcher,
        resolver: Resolver,
        issuer_url: str,
        *,
        cache_bytes: int,
        run_cpu: RunCpu,
    ) -> None:
        self.fetcher = fetcher
        self.resolver = resolver
        self.issuer_url = issuer_url.rstrip("/")
        self.cache: TtlCache[str, VerifiedStatusList] = TtlCache(cache_bytes or 1)
        self.run_cpu = run_cpu

    def is_own(self, url: str) -> bool:
        return url.startswith(self.issuer_url + "/")

    def forget_own(self) -> None:
        for url in self.cache.snapshot():
            if self.is_own(url):
                self.cache.pop(url)

    async def verified(self, pool: Pool, url: str, now: datetime) -> VerifiedStatusList:
        """The checked list at ``url``; raises ``StatusListError`` saying why not."""
        found = self.cache.get(url)
        if found is not None:
            return found
        try:
            fetched = await self.fetcher.get(
                own_url(url, self.issuer_url, self.resolver.issuer_fetch_url)
            )
            document = fetched.json()
        except FetchRefused as exc:
            raise StatusListError(f"the status list could not be fetched: {exc}") from exc
        if not isinstance(document, dict):
            raise StatusListError("the status list is not a JSON object")
        issuer = document.get("issuer")
        issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
        did_docs: dict[str, dict[str, Any]] = {}
        if isinstance(issuer, str) and issuer.startswith("did:web:"):
            resolved = await self.resolver.resolve(pool, issuer)
            if resolved.document is None:
                raise StatusListError(
                    f"the status list's issuer cannot be resolved: {resolved.error}"
                )
            did_docs[issuer] = resolved.document
        verified: VerifiedStatusList = await self.run_cpu(check_list, url, document, did_docs, now)
        ttl = fetched.ttl_s
        if verified.ttl_ms is not None:
            ttl = min(ttl, verified.ttl_ms / 1000)
        self.cache.put(url, verified, ttl_s=ttl, size=len(fetched.body) + 16_384)
        return verified

    async def status_of(
        self, pool: Pool, entry: StatusEntry, now: datetime, credential_issuer: str | None
    ) -> dict[str, Any]:
        """One entry's outcome as evidence: purpose, list, index, outcome, message."""
        found = self.cached_status_of(entry, now, credential_issuer)
        if found is not None:
            return found
        try:
            verified = await self.verified(pool, entry.list_credential, now)
        except StatusListError as exc:
            return {**_evidence(entry), "outcome": "error", "message": str(exc)}
        return _outcome(entry, verified, now, credential_issuer)

    def cached_status_of(
        self, entry: StatusEntry, now: datetime, credential_issuer: str | None
    ) -> dict[str, Any] | None:
        """``status_of`` without suspending, when the cache holds the checked list."""
        verified = self.cache.get(entry.list_credential)
        if verified is None:
            return None
        return _outcome(entry, verified, now, credential_issuer)


def _evidence(entry: StatusEntry) -> dict[str, Any]:
    return {"purpose": entry.purpose, "status_list": entry.list_credential, "index": entry.index}


def _outcome(
    entry: StatusEntry,
    verified: VerifiedStatusList,
    now: datetime,
    credential_issuer: str | None,
) -> dict[str, Any]:
    result = verified.status(entry, now=now, credential_issuer=credential_issuer)
    return {**_evidence(entry), "outcome": result.outcome, "message": result.message}
