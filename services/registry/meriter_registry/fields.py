"""Field types the registry's requests share.

An optional identifier (a DEQAR or ETER id, a client's tenant) given as an
empty or blank string means "none": it is normalised to ``None`` before
validation, so ``""`` is never stored as an identifier — two records would
otherwise collide on it, and a lookup by ``""`` would find one of them.

Every date and instant a query or JSON body carries is written in ISO 8601
and nothing else: a date as ``YYYY-MM-DD`` (:data:`IsoDate`), an instant as
RFC 3339 with its offset (:data:`IsoInstant`). Pydantic alone would also take
a number (``on=0``: 1 January 1970, as seconds since the epoch) or an
instant where a date is asked; here those are a 422 naming the field, like
any other malformed value. Values given as ``date``/``datetime`` objects (by
Python callers) pass as they are.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator

from meriter_shared.validation import Date, Instant


def _blank_is_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


OptionalId = Annotated[str | None, BeforeValidator(_blank_is_none)]
"""An optional identifier; ``""`` (or only spaces) is ``None``. Give it a ``max_length``."""

_ISO_DATE = re.compile(rb"\d{4}-\d{2}-\d{2}")
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:\d{2})"
)


def iso_date(text: str | bytes) -> date | None:
    """``YYYY-MM-DD`` as a date; None for anything else (other ISO forms included:
    week dates, ordinal dates, basic format)."""
    raw = text.encode("ascii", "replace") if isinstance(text, str) else text
    if _ISO_DATE.fullmatch(raw) is None:
        return None
    try:
        return date.fromisoformat(raw.decode("ascii"))
    except ValueError:  # 2026-13-01
        return None


def _strict_date(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("must be a date written YYYY-MM-DD (ISO 8601)")
    found = iso_date(value)
    if found is None:
        raise ValueError(f"{value[:40]!r} is not a date written YYYY-MM-DD (ISO 8601)")
    return found


def _strict_instant(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or _RFC3339.fullmatch(value) is None:
        shown = f"{value[:40]!r} is not" if isinstance(value, str) else "must be"
        raise ValueError(
            f"{shown} an instant written YYYY-MM-DDThh:mm[:ss] with its offset (ISO 8601)"
        )
    return value  # pydantic reads it (and refuses 25:00 or a 30th of February)


IsoDate = Annotated[Date, BeforeValidator(_strict_date)]
"""A calendar date written ``YYYY-MM-DD``, within the kernel's date range."""

IsoInstant = Annotated[Instant, BeforeValidator(_strict_instant)]
"""An instant in ISO 8601 / RFC 3339 with its offset (``Z`` or ±hh:mm, at most ±14:00), as UTC."""
