"""JSON values as credentials hold them: arrays of one, XSD dateTimeStamps.

One definition each for the whole engine: ``as_list`` (JSON-LD's "a value
or an array of values"; ``null`` is no value) and ``parse_stamp`` / ``is_stamp``
(an XML Schema dateTimeStamp: date, time with seconds, no leap second, a time
zone, a date that exists), which every check of ``validFrom``, ``validUntil``,
``issuanceDate``, ``expirationDate`` and a proof's ``created``/``expires`` uses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import orjson

__all__ = [
    "DATETIME_STAMP",
    "MAX_SAFE_INTEGER",
    "as_list",
    "has_unsafe_integer",
    "is_stamp",
    "parse_stamp",
]

DATETIME_STAMP: Final = re.compile(
    r"-?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|(24:00:00(\.0+)?))"
    r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
)
MAX_SAFE_INTEGER: Final = 2**53 - 1
"""I-JSON (RFC 7493): integers beyond this are read rounded by JavaScript verifiers."""
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


# every digit to "0", every other byte to "x": a run of 16 digits is then a find()
# (a regular expression takes ten times as long)
_DIGITS_TO_ZERO: Final = bytes(0x30 if 0x30 <= b <= 0x39 else 0x78 for b in range(256))
_SIXTEEN_ZEROS: Final = b"0" * 16


def has_unsafe_integer(document: Any) -> bool:
    """Whether an integer beyond ±(2^53 − 1) is anywhere in ``document``.

    Such an integer has at least 16 digits; a document whose JSON has no run
    of 16 digits (orjson's, a few µs) has none, and only one that has is walked.
    """
    try:
        text = orjson.dumps(document)
    except TypeError:  # beyond 64 bits, or not plain JSON: walk it
        pass
    else:
        if text.translate(_DIGITS_TO_ZERO).find(_SIXTEEN_ZEROS) < 0:
            return False
    stack = [document]
    pop, extend = stack.pop, stack.extend
    while stack:
        value = pop()
        kind = type(value)
        if kind is dict:
            extend(value.values())
        elif kind is list:
            extend(value)
        elif kind is int:
            if value > MAX_SAFE_INTEGER or value < -MAX_SAFE_INTEGER:
                return True
        elif isinstance(value, Mapping):
            extend(value.values())
        elif isinstance(value, (list, tuple)):
            extend(value)
        elif (
            isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SAFE_INTEGER
        ):
            return True
    return False
