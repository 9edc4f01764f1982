"""The verifier's parts, built once per process from settings."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from meriter_shared.clock import Clock, utc_now
from meriter_shared.cpu import CpuPool
from meriter_shared.db.types import Pool
from meriter_verifier.checks.service import Verifier
from meriter_verifier.config import Settings
from meriter_verifier.fetch import Fetcher
from meriter_verifier.identities import repository
from meriter_verifier.identities.resolver import Resolver
from meriter_verifier.ratelimit import TokenBuckets
from meriter_verifier.status.service import StatusLists

log = logging.getLogger(__name__)
T = TypeVar("T")


def warm_up() -> None:
    """In each CPU-pool process: load contexts and schema once, before the first request."""
    from meriter_credentials.keys import Ed25519KeyPair
    from meriter_credentials.proofs import add_proof
    from meriter_credentials.samples import sample_credential
    from meriter_verifier.checks.document import examine

    key = Ed25519KeyPair.from_seed(bytes(32))
    document = sample_credential()
    document["issuer"]["id"] = key.controller
    examine(add_proof(document, key), {}, utc_now())


@dataclass
class Components:
    settings: Settings
    fetcher: Fetcher
    resolver: Resolver
    status_lists: StatusLists
    verifier: Verifier
    buckets: TokenBuckets
    cpu: CpuPool | None

    @classmethod
    def build(cls, settings: Settings, *, clock: Clock = utc_now) -> Components:
        cpu = (
            CpuPool(settings.cpu_processes, initializer=warm_up)
            if settings.verify_in_pool
            else None
        )

        async def run_cpu(fn: Callable[..., T], *args: Any) -> T:
            if cpu is None:
                return fn(*args)
            return await cpu.run(fn, *args)

        fetcher = Fetcher(
            allow_origins=[
                settings.issuer_url,
                *([settings.issuer_fetch_url] if settings.issuer_fetch_url else []),
                *settings.fetch_allow_origins,
            ],
            timeout_s=settings.fetch_timeout_s,
            max_bytes=settings.fetch_max_bytes,
            max_redirects=settings.fetch_max_redirects,
            default_ttl_s=settings.fetch_default_ttl_s,
            max_ttl_s=settings.fetch_max_ttl_s,
            ca_file=settings.fetch_ca_file,
        )
        resolver = Resolver(
            fetcher,
            settings.issuer_url,
            ttl_s=settings.projection_cache_ttl_s,
            cache_bytes=settings.fetch_cache_bytes,
            issuer_fetch_url=settings.issuer_fetch_url,
        )
        status_lists = StatusLists(
            fetcher,
            resolver,
            settings.issuer_url,
            cache_bytes=settings.fetch_cache_bytes,
            run_cpu=run_cpu,
        )
        verifier = Verifier(
            resolver=resolver,
            status_lists=status_lists,
            run_cpu=run_cpu,
            cache_ttl_s=settings.projection_cache_ttl_s,
            clock=clock,
            max_presentation_credentials=settings.max_presentation_credentials,
            result_cache_bytes=settings.result_cache_bytes,
            inline_max_chars=settings.inline_max_chars if cpu is not None else 2**62,
        )
        buckets = TokenBuckets(settings.rate_limit_per_s, settings.rate_limit_burst)
        return cls(settings, fetcher, resolver, status_lists, verifier, buckets, cpu)

    async def watch_projections(self, pool: Pool) -> None:
        """Empty the caches read from the projections whenever they change."""
        seen: int | None = None
        while True:
            with contextlib.suppress(Exception):
                async with pool.acquire() as conn:
                    seq = await repository.change_seq(conn)
                if seen is not None and seq != seen:
                    self.verifier.forget_projections()
                seen = seq
            await asyncio.sleep(self.settings.projection_poll_interval_s)

    async def close(self) -> None:
        await self.fetcher.close()
        if self.cpu is not None:
            self.cpu.close()
