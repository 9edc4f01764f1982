"""Field types the registry's request bodies share.

An optional identifier (a DEQAR or ETER id, a client's tenant) given as an
empty or blank string means "none": it is normalised to ``None`` before
validation, so ``""`` is never stored as an identifier — two records would
otherwise collide on it, and a lookup by ``""`` would find one of them.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator


def _blank_is_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


OptionalId = Annotated[str | None, BeforeValidator(_blank_is_none)]
"""An optional identifier; ``""`` (or only spaces) is ``None``. Give it a ``max_length``."""
