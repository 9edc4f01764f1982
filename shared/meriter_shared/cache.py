"""A bounded cache of values that expire: the verifier's DID documents, status lists,
registry answers and verification results all live in one of these.

Invariants: an entry is never served after its time-to-live; the bytes held
(as each entry's caller sizes it) never exceed ``max_bytes`` — the least
recently used entries go first; an entry larger than the whole cache is not kept.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

__all__ = ["TtlCache", "cached"]

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
