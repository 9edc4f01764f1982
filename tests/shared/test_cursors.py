"""Opaque page cursors and keyset pages (meriter_shared.db.query / db.cursors)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from meriter_shared.db.query import Cursors, InvalidCursor, Where
from meriter_shared.errors import ValidationProblem

AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_a_cursor_round_trips_its_key_and_reads_as_nothing_in_particular() -> None:
    cursors = Cursors("issuer.results", (datetime, int))
    cursor = cursors.encode((AT, 42))
    assert cursors.decode(cursor) == (AT, 42)
    assert "42" not in cursor
    assert "2025" not in cursor
    assert cursors.decode(None) is None
    assert cursors.decode("") is None


def test_a_text_key_round_trips_whatever_it_holds() -> None:
    cursors = Cursors("registry.institutions", (str,))
    for key in ("inst-1", "x'; DROP TABLE t; --", "Ångström/ü", ""):
        assert cursors.decode(cursors.encode((key,))) == (key,)


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        "%%%",
        base64.urlsafe_b64encode(b"not json").decode(),
        base64.urlsafe_b64encode(b'{"a": 1}').decode(),
        base64.urlsafe_b64encode(b"[]").decode(),
        "x" * 5000,
    ],
)
def test_a_malformed_cursor_is_a_422_naming_the_parameter(cursor: str) -> None:
    with pytest.raises(InvalidCursor) as refused:
        Cursors("l", (int,)).decode(cursor)
    problem = refused.value
    assert isinstance(problem, ValidationProblem)
    assert problem.status == 422
    assert problem.errors[0]["field"] == "cursor"
    assert problem.errors[0]["in"] == "query"


def forged(*items: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(items)).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        forged("other.listing", 1),  # another listing's cursor
        forged("l", "1"),  # text where an integer belongs
        forged("l", 1.5),
        forged("l", True),
        forged("l", 2**63),  # beyond bigint: would be a database error
        forged("l", -(2**63) - 1),
        forged("l", 1, 2),  # a key of another shape
        forged("l"),
        forged("l", None),
    ],
)
def test_a_cursor_whose_key_does_not_fit_the_listing_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        Cursors("l", (int,)).decode(cursor)


@pytest.mark.parametrize(
    ("shape", "value"),
    [
        (str, "a\x00b"),  # Postgres text cannot hold NUL
        (str, "x" * 300),
        (str, 7),
        (datetime, "2025-03-01T12:00:00"),  # naive
        (datetime, "yesterday"),
    ],
)
def test_values_that_would_break_a_query_are_refused(shape: type, value: object) -> None:
    with pytest.raises(InvalidCursor):
        Cursors("l", (shape,)).decode(forged("l", value))


def test_with_a_secret_an_altered_or_unsigned_cursor_is_refused() -> None:
    signed = Cursors("l", (int,), secret=b"k" * 32)
    cursor = signed.encode((41,))
    assert signed.decode(cursor) == (41,)
    body, tag = cursor.split(".")
    with pytest.raises(InvalidCursor):
        signed.decode(f"{forged('l', 42)}.{tag}")
    with pytest.raises(InvalidCursor):
        signed.decode(body)
    with pytest.raises(InvalidCursor):
        Cursors("l", (int,), secret=b"other" * 8).decode(cursor)
    with pytest.raises(InvalidCursor):
        signed.decode(body + ".ü")


def test_encoding_a_key_of_the_wrong_shape_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="not an integer key"):
        Cursors("l", (int,)).encode(("1",))
    with pytest.raises(ValueError, match="aware"):
        Cursors("l", (datetime,)).encode((datetime(2025, 1, 1),))  # naive
    with pytest.raises(TypeError):
        Cursors("l", (float,))  # type: ignore[arg-type]


def test_after_key_compares_the_key_as_a_row() -> None:
    assert Where().after_key(("at", "seq"), None).sql == "true"
    where = Where("x").after_key(("at", "seq"), (AT, 3))
    assert (where.sql, where.args) == ("(x) AND ((at, seq) > ($1, $2))", [AT, 3])
    assert (
        Where().after_key(("at", "seq"), (AT, 3), descending=True).sql == "((at, seq) < ($1, $2))"
    )
    with pytest.raises(ValueError, match="a key of 1 values for 2 columns"):
        Where().after_key(("at", "seq"), (AT,))


def test_the_next_cursor_is_given_only_for_a_full_page() -> None:
    cursors = Cursors("l", (int,))
    rows = [{"seq": 1}, {"seq": 2}]
    assert cursors.decode(cursors.next(rows, 2, lambda r: (r["seq"],))) == (2,)
    assert cursors.next(rows, 3, lambda r: (r["seq"],)) is None
    assert cursors.next([], 3, lambda r: (r["seq"],)) is None


async def test_keyset_pages_of_a_real_table_cover_every_row_once_with_ties(fresh_db: str) -> None:
    conn = await asyncpg.connect(fresh_db)
    try:
        await conn.execute("CREATE TABLE t (seq bigint PRIMARY KEY, at timestamptz, kind text)")
        rows = [(n, AT + timedelta(minutes=n // 3), "a" if n % 4 else "b") for n in range(20)]
        await conn.executemany("INSERT INTO t VALUES ($1, $2, $3)", rows)
        cursors = Cursors("t.by-time", (datetime, int), secret=b"s" * 32)
        seen: list[int] = []
        cursor: str | None = None
        while True:
            where = Where().add("kind = {}", "a").after_key(("at", "seq"), cursors.decode(cursor))
            sql, args = where.select("SELECT seq, at FROM t", order_by="at, seq", limit=4)
            page = await conn.fetch(sql, *args)
            seen += [r["seq"] for r in page]
            cursor = cursors.next(page, 4, lambda r: (r["at"], r["seq"]))
            if cursor is None:
                break
        assert seen == [n for n, _, kind in rows if kind == "a"]
    finally:
        await conn.close()
