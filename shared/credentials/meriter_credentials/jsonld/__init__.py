"""Offline JSON-LD for credentials: bundled contexts, JSON-LD -> RDF, canonical N-Quads.

Invariants: never touches the network (only hash-pinned bundled contexts are
loaded); always in safe mode (anything that would be dropped or stay relative
raises ``SafeModeError``); unsupported features raise ``UnsupportedJsonLd``.
All errors, including ``rdfc.CanonicalizationLimitExceeded``, derive from
``JsonLdError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meriter_credentials import rdfc
from meriter_credentials.jsonld.errors import (
    ContextNotBundled,
    JsonLdError,
    SafeModeError,
    UnsupportedJsonLd,
)
from meriter_credentials.jsonld.loader import bundled_context_urls, load_context
from meriter_credentials.jsonld.tordf import to_rdf

__all__ = [
    "ContextNotBundled",
    "JsonLdError",
    "SafeModeError",
    "UnsupportedJsonLd",
    "bundled_context_urls",
    "canonicalize",
    "load_context",
    "to_rdf",
]


def canonicalize(
    document: Mapping[str, Any],
    *,
    hash_algorithm: str = "sha256",
    max_work: int = rdfc.DEFAULT_MAX_WORK,
) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document."""
    return rdfc.canonicalize_quads(
        to_rdf(document), hash_algorithm=hash_algorithm, max_work=max_work
    ).nquads
