"""Token buckets: one bucket, and many keyed ones in bounded memory.

A bucket holds up to ``burst`` tokens and gains ``rate`` a second; taking
one succeeds when a whole token is there, else nothing is taken and the
answer is how long until one is (so a caller can say ``Retry-After`` or
sleep exactly that long). Time comes from an injected monotonic clock.

``TokenBuckets`` keeps one bucket per key (a client address, a client id, a
receiving domain) in at most ``max_keys`` entries, the least recently used
dropped first: a dropped key starts again with a full bucket, so the bound
trades a little precision under a flood of distinct keys for a fixed size.
Both are in-process: with N processes a caller gets up to N times the rate.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict

from meriter_shared.clock import MonotonicClock

__all__ = ["TokenBucket", "TokenBuckets"]


def _refill(tokens: float, then: float, now: float, rate: float, burst: float) -> float:
    return min(burst, tokens + max(0.0, now - then) * rate)


def _take(tokens: float, rate: float) -> tuple[float, float]:
    """(tokens left, seconds to wait): one taken if there is one, else none."""
    if tokens >= 1:
        return tokens - 1, 0.0
    return tokens, (1 - tokens) / rate if rate > 0 else math.inf


class TokenBucket:
    """One bucket. ``rate`` and ``burst`` may be changed while in use (adaptive pacing)."""

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        *,
        clock: MonotonicClock = time.monotonic,
    ) -> None:
        self.rate = rate
        self.burst = float(burst) if burst is not None else max(1.0, rate)
        self.clock = clock
        self.tokens = self.burst
        self.at = clock()

    def take(self) -> float:
        """Take a token; return 0, or the seconds until one is due (then nothing is taken)."""
        now = self.clock()
        tokens = _refill(self.tokens, self.at, now, self.rate, self.burst)
        self.tokens, wait = _take(tokens, self.rate)
        self.at = now
        return wait


class TokenBuckets:
    """A bucket per key, all with one ``rate`` and ``burst``, at most ``max_keys`` kept."""

    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        max_keys: int = 10_000,
        clock: MonotonicClock = time.monotonic,
    ) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.max_keys = max_keys
        self.clock = clock
        # (tokens, when counted): two floats a key, not an object each.
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str) -> float:
        """Take a token for ``key``: 0 if there was one, else the seconds to wait for one."""
        now = self.clock()
        tokens, then = self._buckets.pop(key, (self.burst, now))
        tokens, wait = _take(_refill(tokens, then, now, self.rate, self.burst), self.rate)
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return wait
