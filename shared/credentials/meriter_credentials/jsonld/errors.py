"""Errors of the offline JSON-LD engine; everything derives from ``JsonLdError``.

Invariant: any input the engine cannot process exactly raises one of these;
nothing is silently dropped. (Defined in ``meriter_credentials.errors`` so
that ``rdfc`` needs nothing of this package.)
"""

from __future__ import annotations

from meriter_credentials.errors import (
    ContextNotBundled,
    JsonLdError,
    SafeModeError,
    UnsupportedJsonLd,
)

__all__ = ["ContextNotBundled", "JsonLdError", "SafeModeError", "UnsupportedJsonLd"]
