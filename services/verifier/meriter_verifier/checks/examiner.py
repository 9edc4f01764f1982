"""``examine`` (``document.py``) as a verification runs it: through a result cache, on
the event loop or in the CPU pool by the document's size.

Invariants:
- A document of at most ``inline_max_chars`` characters of JSON is examined
  on the event loop: for a credential of a few kilobytes the hop to another
  process costs more than the check. A bigger (or hostile) one, whose
  canonicalization may take its whole work limit, goes through ``run_cpu``
  (the CPU pool, or inline), so the loop stays free.
- What ``examine`` finds is a pure function of the document, the DID
  documents it was given, the holder identifier and the purpose, so it is
  kept (bounded by bytes) under a digest of all four: a credential seen
  again is not canonicalized again. A document with a proof that expires is
  never kept (its answer depends on the moment).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from meriter_shared.cache import TtlCache
from meriter_verifier.checks.document import Examined, as_list, examine

RunCpu = Callable[..., Awaitable[Any]]
KEPT_S = 3600


class Examiner:
    def __init__(
        self,
        *,
        run_cpu: RunCpu,
        cache_bytes: int = 64 * 1024 * 1024,
        inline_max_chars: int = 64 * 1024,
    ) -> None:
        self.run_cpu = run_cpu
        self.inline_max_chars = inline_max_chars
        self.cache: TtlCache[bytes, Examined] = TtlCache(cache_bytes)

    async def examine(
        self,
        document: dict[str, Any],
        did_docs: dict[str, dict[str, Any]],
        at: datetime,
        holder_identifier: str | None = None,
        purpose: str = "assertionMethod",
        body: bytes | None = None,
    ) -> Examined:
        """``examine`` through the cache, inline or in the CPU pool by size.
        ``body``: the request's JSON text that holds ``document`` and decides
        nothing else examine reads, when the caller has it: hashing it spares
        encoding the document again."""
        material, size = _material(document, [did_docs, holder_identifier, purpose], body)
        expires = any(
            isinstance(p, dict) and "expires" in p for p in as_list(document.get("proof"))
        )
        key = None
        if material is not None and not expires and self.cache.max_bytes:
            key = hashlib.sha256(material).digest()
            found = self.cache.get(key)
            if found is not None:
                return found
        args = (document, did_docs, at, holder_identifier, purpose)
        result: Examined
        if size is not None and size <= self.inline_max_chars:
            result = examine(*args)
        else:
            result = await self.run_cpu(examine, *args)
        if key is not None:
            self.cache.put(key, result, ttl_s=KEPT_S, size=(size or 0) + 1024)
        return result


def _material(
    document: dict[str, Any], rest: list[Any], body: bytes | None
) -> tuple[bytes | None, int | None]:
    """What the cache key digests, and the document's size in characters of JSON;
    ``(None, None)`` for a document that cannot be encoded (never kept)."""
    try:
        if body is not None:
            text = json.dumps(rest, separators=(",", ":")).encode("utf-8", "surrogatepass")
            return body + b"\n" + text, len(body)
        # Key order is kept as sent: the same credential sent with its keys in
        # another order is only a cache miss, and not sorting is cheaper.
        text = json.dumps([document, *rest], separators=(",", ":")).encode("utf-8", "surrogatepass")
        return text, len(text)
    except (TypeError, ValueError):
        return None, None
