"""The one way services build filtered queries (meriter_shared.db.query)."""

from __future__ import annotations

from datetime import date

import asyncpg
import pytest

from meriter_shared.db.query import Where, next_cursor


def test_no_filter_selects_everything() -> None:
    sql, args = Where().select("SELECT id FROM t", order_by="id")
    assert (sql, args) == ("SELECT id FROM t WHERE true ORDER BY id", [])


def test_values_are_bound_in_order_and_never_written_into_the_sql() -> None:
    where = Where("deleted_at IS NULL").add("name = {}", "O'Brien").add("age > {}", 30)
    sql, args = where.select("SELECT * FROM people", order_by="id", limit=10)
    assert sql == (
        "SELECT * FROM people WHERE (deleted_at IS NULL) AND (name = $1) AND (age > $2) "
        "ORDER BY id LIMIT $3"
    )
    assert args == ["O'Brien", 30, 10]


def test_a_filter_given_none_adds_nothing() -> None:
    where = Where().add_if(None, "a = {}").add_if("x", "b = {}").add_if(None, "c = {}")
    assert (where.sql, where.args) == ("(b = $1)", ["x"])


def test_a_value_can_be_used_twice_under_one_number() -> None:
    where = Where().add("x = {}", 1).add_if(date(2024, 1, 1), "lo <= {0} AND hi >= {0}")
    assert where.sql == "(x = $1) AND (lo <= $2 AND hi >= $2)"
    assert where.args == [1, date(2024, 1, 1)]


def test_a_fragment_with_or_stays_inside_its_parentheses() -> None:
    where = Where("visible").add("a = {0} OR b = {0}", "k")
    assert where.sql == "(visible) AND (a = $1 OR b = $1)"


def test_placeholders_must_match_the_values() -> None:
    with pytest.raises(ValueError, match="placeholders"):
        Where().add("a = {} AND b = {}", 1)
    with pytest.raises(ValueError, match="placeholders"):
        Where().add("a = {}", 1, 2)
    with pytest.raises(ValueError, match="placeholders"):
        Where().add("a = {name}", 1)


def test_literal_braces_are_written_doubled() -> None:
    assert Where().add("tags = '{{}}' OR tag = {}", "t").sql == "(tags = '{}' OR tag = $1)"


def test_bind_serves_fragments_assembled_by_hand() -> None:
    where = Where().add("a = {}", 1)
    p = where.bind("v")
    assert (p, where.args) == ("$2", [1, "v"])


def test_after_pages_by_key_and_next_cursor_is_the_last_key_of_a_full_page() -> None:
    assert Where().after("id", None).sql == "true"
    assert Where().after("id", "k9").sql == "(id > $1)"
    rows = [{"id": "a"}, {"id": "b"}]
    assert next_cursor(rows, 2, lambda r: r["id"]) == "b"
    assert next_cursor(rows, 3, lambda r: r["id"]) is None
    assert next_cursor([], 3, lambda r: r["id"]) is None


async def test_pages_of_a_real_table_cover_every_row_once(fresh_db: str) -> None:
    conn = await asyncpg.connect(fresh_db)
    try:
        await conn.execute("CREATE TABLE t (id text PRIMARY KEY, country text)")
        rows = [(f"r{n:02d}", "SE" if n % 2 else "FI") for n in range(11)]
        await conn.executemany("INSERT INTO t VALUES ($1, $2)", rows)
        await conn.execute("INSERT INTO t VALUES ('x''; DROP TABLE t; --', 'SE')")
        seen: list[str] = []
        cursor: str | None = None
        while True:
            where = Where().add_if("SE", "country = {}").after("id", cursor)
            sql, args = where.select("SELECT id FROM t", order_by="id", limit=2)
            page = [r["id"] for r in await conn.fetch(sql, *args)]
            seen += page
            cursor = next_cursor(page, 2, str)
            if cursor is None:
                break
        expected = [*sorted(r for r, c in rows if c == "SE"), "x'; DROP TABLE t; --"]
        assert seen == expected
    finally:
        await conn.close()
