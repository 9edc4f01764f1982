"""Token buckets for the token endpoint, per client id and per remote address.

Each key (a client id, an address) has a bucket of ``burst`` tokens refilled
at ``rate`` a second (the kernel's ``meriter_shared.ratelimit.TokenBuckets``);
a request takes one, or is refused (429 with ``Retry-After``: the seconds
until one is back). Memory is bounded: at most ``max_keys`` buckets are
kept, the least recently used dropped first — a dropped key starts again
with a full bucket, so the bound trades a little precision under a flood of
distinct keys for a fixed size. In-process: with N registry processes a
caller gets up to N times the rate.
"""

from __future__ import annotations

import math

from meriter_shared.errors import TooManyRequests
from meriter_shared.ratelimit import TokenBuckets

__all__ = ["TokenBuckets", "TokenEndpointLimits"]


class TokenEndpointLimits:
    """The token endpoint's two limits: per remote address, per client id."""

    def __init__(self, per_address: TokenBuckets, per_client: TokenBuckets) -> None:
        self.per_address = per_address
        self.per_client = per_client

    def address(self, address: str) -> None:
        self._check(self.per_address.take(address), "from this address")

    def client(self, client_id: str) -> None:
        self._check(self.per_client.take(client_id), "for this client")

    @staticmethod
    def _check(wait: float, whose: str) -> None:
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise TooManyRequests(
                f"too many token requests {whose}; retry in {seconds} s",
                headers={"Retry-After": str(seconds)},
            )
