"""Rate limits on the verify routes: a token bucket per client address, in process.

Each client address has a bucket of ``burst`` tokens refilled at ``rate``
per second; a request takes one, and with none left it is answered 429
problem+json with ``Retry-After`` (whole seconds until a token is back).
The buckets are the kernel's (``meriter_shared.ratelimit.TokenBuckets``),
bounded: past ``max_keys`` the least recently seen address is forgotten (it
starts again with a full bucket). With several HTTP processes each keeps
its own buckets, so the limit is per process.
"""

from __future__ import annotations

import math
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from meriter_shared.errors import TooManyRequests, problem_response
from meriter_shared.openapi import problem_response as documented
from meriter_shared.ratelimit import TokenBuckets

__all__ = ["RATE_LIMITED", "RateLimit", "TokenBuckets"]

RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {
        **documented(429),
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}},
    }
}


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
