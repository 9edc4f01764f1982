"""Rate limits on the verify routes: a token bucket per client address, in process.

Each client address has a bucket of ``burst`` tokens refilled at ``rate``
per second; a request takes one, and with none left it is answered 429
problem+json with ``Retry-After`` (whole seconds until a token is back).
Buckets are bounded: past ``max_clients`` the least recently seen address
is forgotten (it starts again with a full bucket). With several HTTP
processes each keeps its own buckets, so the limit is per process.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from meriter_shared.errors import TooManyRequests, problem_response
from meriter_shared.openapi import problem_response as documented

RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {
        **documented(429),
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}},
    }
}


class TokenBuckets:
    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, client: str) -> float:
        """0 when the request may go ahead, else the seconds until it could."""
        now = self.clock()
        tokens, last = self._buckets.pop(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.rate
        self._buckets[client] = (tokens, now)
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait


class RateLimit:
    """ASGI middleware: the buckets guard the requests whose path is in ``paths``."""

    def __init__(self, app: ASGIApp, *, buckets: TokenBuckets, paths: frozenset[str]) -> None:
        self.app = app
        self.buckets = buckets
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in self.paths:
            client = scope.get("client")
            wait = self.buckets.take(client[0] if client else "-")
            if wait > 0:
                retry = str(max(1, math.ceil(wait)))
                problem = TooManyRequests(
                    "too many verifications from this address; try again later",
                    headers={"Retry-After": retry},
                )
                await problem_response(problem, scope["path"])(scope, receive, send)
                return
        await self.app(scope, receive, send)
