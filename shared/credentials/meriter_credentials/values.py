"""JSON values as credentials hold them: arrays of one, XSD dateTimeStamps.

One definition each for the whole engine: ``as_list`` (JSON-LD's "a value
or an array of values"; ``null`` is no value) and ``parse_stamp`` / ``is_stamp``
(an XML Schema dateTimeStamp: date, time with seconds, no leap second, a time
zone, a date that exists), which every check of ``validFrom``, ``validUntil``,
``issuanceDate``, ``expirationDate`` and a proof's ``created``/``expires`` uses.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Final

__all__ = ["DATETIME_STAMP", "as_list", "is_stamp", "parse_stamp"]

DATETIME_STAMP: Final = re.compile(
    r"-?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|(24:00:00(\.0+)?))"
    r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
)
_MONTH_DAYS: Final = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def as_list(value: Any) -> list[Any]:
    """``value`` as an array: itself if it is one, none for ``null``, else one item."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _real_date(value: str) -> bool:
    sign = 1 if value.startswith("-") else 0
    year, month, day = value[sign:].split("T", 1)[0].split("-")
    if int(month) == 2 and int(day) == 29:
        y = int(year)
        return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    return int(day) <= _MONTH_DAYS[int(month) - 1]


def is_stamp(value: Any) -> bool:
    """An XML Schema dateTimeStamp (lexically, and a date that exists)."""
    return isinstance(value, str) and bool(DATETIME_STAMP.fullmatch(value)) and _real_date(value)


def parse_stamp(value: Any) -> datetime:
    """The moment of a dateTimeStamp; ``ValueError`` for anything else, and for the
    valid stamps Python cannot hold (years beyond 9999, BCE, ``24:00:00``)."""
    if not isinstance(value, str):
        raise ValueError("not a string")
    if not is_stamp(value):
        raise ValueError(
            f"{value!r} is not an XML Schema dateTimeStamp "
            "(such as 2026-06-01T00:00:00Z: seconds and a time zone)"
        )
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{value!r} is outside the range this engine compares") from None
