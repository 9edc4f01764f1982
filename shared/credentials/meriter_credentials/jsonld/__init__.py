"""Offline JSON-LD for credentials: bundled contexts, JSON-LD -> RDF, canonical N-Quads.

Invariants: never touches the network (the hash-pinned bundled contexts, or a
caller's loader); a complete JSON-LD 1.1 toRdf processor, always in safe mode
(anything that would be dropped, stay relative or be written ill-formed raises
``SafeModeError``); every N-Quads term is written by ``terms`` after a check.
All errors, including ``rdfc.CanonicalizationLimitExceeded``, derive from
``JsonLdError``.
"""

from __future__ import annotations

from meriter_credentials.jsonld.api import canonicalize, full_to_rdf, to_rdf
from meriter_credentials.jsonld.errors import (
    ContextNotBundled,
    JsonLdError,
    SafeModeError,
    UnsupportedJsonLd,
)
from meriter_credentials.jsonld.loader import bundled_context_urls, load_context

__all__ = [
    "ContextNotBundled",
    "JsonLdError",
    "SafeModeError",
    "UnsupportedJsonLd",
    "bundled_context_urls",
    "canonicalize",
    "full_to_rdf",
    "load_context",
    "to_rdf",
]
