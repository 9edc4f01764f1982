"""Field types that hold what the database can store, for every service's models.

A request a model accepts must never fail at the database: an integer out
of a column's range, a date whose derived dates (a report's six-year
default validity) run past year 9999, or a timestamp whose UTC value does
not exist would otherwise surface as a 5xx. Models use these types for
such fields; the database's own constraints stay as the last line.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, Field

PG_INT_MIN, PG_INT_MAX = -(2**31), 2**31 - 1
PG_SMALLINT_MIN, PG_SMALLINT_MAX = -(2**15), 2**15 - 1
# Far enough from both ends of Postgres' and Python's calendars that derived
# dates (a validity of some years, a time-zone shift) stay representable.
EARLIEST = date(1000, 1, 1)
LATEST = date(8999, 12, 31)
MAX_UTC_OFFSET = timedelta(hours=14)  # the widest offset in use anywhere

PgInt = Annotated[int, Field(ge=PG_INT_MIN, le=PG_INT_MAX)]
PgSmallInt = Annotated[int, Field(ge=PG_SMALLINT_MIN, le=PG_SMALLINT_MAX)]


def _in_range(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"must be between {EARLIEST} and {LATEST}")
    return value


def _aware_in_range(value: datetime) -> datetime:
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("must carry a time zone offset")
    if abs(offset) > MAX_UTC_OFFSET:
        raise ValueError("the time zone offset must be within ±14:00")
    _in_range(value.date())
    return value.astimezone(UTC)


Date = Annotated[date, AfterValidator(_in_range)]
"""A calendar date between ``EARLIEST`` and ``LATEST``."""

Instant = Annotated[datetime, AfterValidator(_aware_in_range)]
"""A moment with a time zone offset of at most ±14:00, within the date range, as UTC."""
