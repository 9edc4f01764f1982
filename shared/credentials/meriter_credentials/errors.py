"""Errors of the RDF side of the engine (JSON-LD and canonicalization).

They live outside the ``jsonld`` package so that ``rdfc`` can raise them
without importing ``jsonld`` (which imports ``rdfc``): either module may be
imported first.
"""

from __future__ import annotations

__all__ = ["ContextNotBundled", "JsonLdError", "SafeModeError", "UnsupportedJsonLd"]


class JsonLdError(ValueError):
    """Base class: the document cannot be turned into RDF / canonicalized.

    ``code`` is the JSON-LD 1.1 API error code where one applies (``invalid
    base direction``, ``protected term redefinition`` ...), else ``None``.
    """

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class SafeModeError(JsonLdError):
    """Something would be dropped, left relative, or written ill-formed (safe mode)."""


class UnsupportedJsonLd(JsonLdError):
    """A JSON-LD feature this engine deliberately does not implement."""


class ContextNotBundled(JsonLdError):
    """A remote context that is not among the bundled, hash-pinned files."""
