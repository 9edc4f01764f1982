"""Bundled, hash-pinned JSON-LD contexts; the only contexts the engine loads.

Invariants: no network access ever; a URL outside ``contexts/manifest.json``
raises ``ContextNotBundled``; each file's SHA-256 is checked against the
manifest the first time it is loaded, and the parsed result is cached.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from meriter_credentials.jsonld.errors import ContextNotBundled, JsonLdError

__all__ = ["bundled_context_urls", "load_context"]

_DIR = Path(__file__).resolve().parent / "contexts"


@cache
def _manifest() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = json.loads((_DIR / "manifest.json").read_text("utf-8"))
    return data


def bundled_context_urls() -> frozenset[str]:
    """URLs of every bundled context."""
    return frozenset(_manifest())


@cache
def load_context(url: str) -> Mapping[str, Any]:
    """The parsed context document bundled for ``url`` (hash verified once)."""
    entry = _manifest().get(url)
    if entry is None:
        raise ContextNotBundled(f"JSON-LD context {url!r} is not bundled; refusing to fetch it")
    raw = (_DIR / entry["file"]).read_bytes()
    if hashlib.sha256(raw).hexdigest() != entry["sha256"]:
        raise JsonLdError(f"bundled context {url!r} does not match its pinned SHA-256")
    document = json.loads(raw)
    if not isinstance(document, dict) or "@context" not in document:
        raise JsonLdError(f"bundled context {url!r} has no @context")
    return document
