"""Field types that keep what the database cannot store out of every model."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import BaseModel, ValidationError

from meriter_shared.validation import Date, Instant, PgInt, PgSmallInt


class Sample(BaseModel):
    count: PgInt = 0
    level: PgSmallInt = 0
    on: Date | None = None
    at: Instant | None = None


@pytest.mark.parametrize(
    "fields",
    [
        {"count": 2**31},
        {"count": -(2**31) - 1},
        {"level": 40_000},
        {"on": "9999-12-31"},
        {"on": "0001-01-01"},
        {"at": "2026-01-01T00:00:00"},
        {"at": "2026-01-01T00:00:00+23:59"},
        {"at": "9999-12-31T23:00:00-05:00"},
    ],
)
def test_values_the_database_cannot_hold_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Sample.model_validate(fields)


def test_values_within_range_pass_and_instants_become_utc() -> None:
    sample = Sample.model_validate(
        {"count": 2**31 - 1, "level": 9, "on": "2032-06-01", "at": "2026-06-01T12:00:00+02:00"}
    )
    assert sample.at == datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    assert sample.at.tzinfo is UTC
