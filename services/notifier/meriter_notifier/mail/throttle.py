"""Pacing: a rate per relay that backs off when the relay says "later", and one per domain.

- ``RelayPace`` is a token bucket whose rate follows AIMD: every 4xx answer
  halves it (down to ``floor``), every accepted message adds back a little,
  until the configured rate (or none) is reached again. A relay with no
  configured rate starts unpaced; its first 4xx paces it at half the rate
  it was being fed.
- ``DomainPace`` holds one token bucket per receiving domain (the kernel's
  ``TokenBucket``/``TokenBuckets``, in bounded memory); a message
  whose domain has no token now is not held in memory but put back with
  the time its turn comes, so nothing is dropped and nothing else waits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from meriter_shared.ratelimit import TokenBucket, TokenBuckets

__all__ = ["DomainPace", "RelayPace", "TokenBucket"]

# Receiving domains paced at the default rate whose buckets are kept; past
# it the least recently used is forgotten (that only lets a burst through).
MAX_DOMAINS = 100_000


class RelayPace:
    def __init__(
        self,
        configured: float | None,
        *,
        floor: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.configured = configured
        self.floor = floor
        self.clock = clock
        self.bucket: TokenBucket | None = (
            TokenBucket(configured, clock=clock) if configured else None
        )
        self._window_start = clock()
        self._window_count = 0
        self.observed = 0.0  # messages a second recently handed to the relay

    @property
    def rate(self) -> float | None:
        return self.bucket.rate if self.bucket else None

    async def acquire(self) -> None:
        self._count()
        while self.bucket is not None:
            wait = self.bucket.take()
            if wait == 0:
                return
            await asyncio.sleep(wait)

    def _count(self) -> None:
        now = self.clock()
        self._window_count += 1
        if now - self._window_start >= 1.0:
            self.observed = self._window_count / (now - self._window_start)
            self._window_start, self._window_count = now, 0

    def slow_down(self) -> None:
        """The relay answered 4xx: halve the pace."""
        current = self.rate or max(self.observed, 2 * self.floor)
        rate = max(self.floor, current / 2)
        self.bucket = TokenBucket(rate, burst=1.0, clock=self.clock)

    def accepted(self) -> None:
        """A message went through: recover a little (additive increase)."""
        if self.bucket is None:
            return
        rate = self.bucket.rate + max(0.05, self.bucket.rate * 0.01)
        if self.configured is not None and rate >= self.configured:
            rate = self.configured
        elif self.configured is None and rate >= max(self.observed, 1.0) * 4:
            self.bucket = None  # far above what is fed: unpaced again
            return
        self.bucket.rate = rate
        self.bucket.burst = max(1.0, min(rate, self.configured or rate))


class DomainPace:
    def __init__(
        self,
        default: float | None,
        overrides: dict[str, float],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.default = default
        self.overrides = {k.lower(): v for k, v in overrides.items()}
        self.clock = clock
        # The configured domains each have a bucket; every other one shares
        # the default's keyed, bounded buckets.
        self._configured = {
            domain: TokenBucket(rate, clock=clock) for domain, rate in self.overrides.items()
        }
        self._others = (
            TokenBuckets(default, max(1.0, default), max_keys=MAX_DOMAINS, clock=clock)
            if default is not None
            else None
        )

    def take(self, domain: str) -> float:
        """0 when a message to ``domain`` may go now, else the seconds to wait."""
        configured = self._configured.get(domain)
        if configured is not None:
            return configured.take()
        return self._others.take(domain) if self._others is not None else 0.0
