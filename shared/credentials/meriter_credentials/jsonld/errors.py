"""Errors of the offline JSON-LD engine; everything derives from ``JsonLdError``.

Invariant: any input the engine cannot process exactly raises one of these;
nothing is silently dropped.
"""

from __future__ import annotations

__all__ = ["ContextNotBundled", "JsonLdError", "SafeModeError", "UnsupportedJsonLd"]


class JsonLdError(ValueError):
    """Base class: the document cannot be turned into RDF / canonicalized."""


class SafeModeError(JsonLdError):
    """A term, type or IRI would be dropped or left relative (safe mode)."""


class UnsupportedJsonLd(JsonLdError):
    """A JSON-LD feature this engine deliberately does not implement."""


class ContextNotBundled(JsonLdError):
    """A remote context that is not among the bundled, hash-pinned files."""
