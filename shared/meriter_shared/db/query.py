"""Filtered queries, built one way in every service: fixed SQL, bound values.

Invariants:

* Only fragments written in the code (``LiteralString``) are joined into the
  SQL text; every value reaches Postgres as a bound parameter ``$n``,
  numbered in the order it was bound. A fragment's placeholders must match
  its values exactly (a stray or missing one is an error here, not a
  puzzling one from Postgres).
* A filter whose value is ``None`` adds nothing, so "no filter" and "not
  asked" are the same thing.
* Each fragment is parenthesised before the fragments are ANDed, so a
  fragment containing ``OR`` cannot leak into its neighbours.
* Keyset pagination: ``after(column, cursor)`` (or ``after_key(columns,
  key)`` for a key of several columns, compared as a row) with ``ORDER BY``
  those columns and a ``LIMIT``; the next cursor is the last row's key when
  the page came back full (``next_cursor``), so a page never skips or
  repeats a row that existed throughout.
* Cursors handed to clients are opaque (``Cursors``): the key's values
  typed by the listing's shape and bound to the listing's name, checked on
  the way back in (a malformed, foreign or — with a secret — altered cursor
  is a 422 naming the ``cursor`` parameter, never a database error).

Example::

    where = Where("v.superseded_at IS NULL")
    where.add_if(country, "i.country = {}")
    where.add_if(valid_on, "v.valid_from <= {0} AND v.valid_until >= {0}")
    where.after("v.report_id", cursor)
    sql, args = where.select("SELECT ... FROM ...", order_by="v.report_id", limit=50)
    rows = await conn.fetch(sql, *args)

    RESULTS = Cursors("issuer.results", (datetime, int))
    where.after_key(("received_at", "seq"), RESULTS.decode(cursor))
    sql, args = where.select("SELECT ...", order_by="received_at, seq", limit=limit)
    rows = await conn.fetch(sql, *args)
    next_page = RESULTS.next(rows, limit, lambda r: (r["received_at"], r["seq"]))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from string import Formatter
from typing import LiteralString, Self, TypeVar

from meriter_shared.db.cursors import CursorKey, Cursors, InvalidCursor

__all__ = ["CursorKey", "Cursors", "InvalidCursor", "Where", "next_cursor"]

T = TypeVar("T")


class Where:
    """The WHERE clause of one query: fragments ANDed, values bound as ``$n``."""

    def __init__(self, *fixed: LiteralString) -> None:
        self._clauses: list[str] = list(fixed)
        self.args: list[object] = []

    def bind(self, value: object) -> str:
        """Bind ``value``; return its placeholder (``$n``) for a fragment built by hand."""
        self.args.append(value)
        return f"${len(self.args)}"

    def add(self, fragment: LiteralString, *values: object) -> Self:
        """AND ``fragment``, its ``{}`` (or ``{0}``, ``{1}``… to use a value twice)
        placeholders replaced by the values' ``$n``. Literal braces are doubled."""
        wanted = _placeholders(fragment)
        if wanted != set(range(len(values))):
            raise ValueError(
                f"{fragment!r} has placeholders for {len(wanted)} values, given {len(values)}"
            )
        params = [self.bind(v) for v in values]
        self._clauses.append(fragment.format(*params))
        return self

    def add_if(self, value: object | None, fragment: LiteralString) -> Self:
        """``add(fragment, value)`` unless ``value`` is ``None``."""
        if value is not None:
            self.add(fragment, value)
        return self

    def after(self, column: LiteralString, cursor: object | None) -> Self:
        """Keyset pagination: rows whose ``column`` sorts after ``cursor`` (if any)."""
        return self.add_if(cursor, column + " > {}")

    def after_key(
        self,
        columns: Sequence[LiteralString],
        key: Sequence[object] | None,
        *,
        descending: bool = False,
    ) -> Self:
        """Keyset pagination on several columns: rows whose ``(columns)`` sort after
        ``key`` as a row (before it with ``descending``: every column then sorts
        descending in ``ORDER BY``). ``None``: the first page."""
        if key is None:
            return self
        if not columns or len(columns) != len(key):
            raise ValueError(f"a key of {len(key)} values for {len(columns)} columns")
        params = ", ".join(self.bind(value) for value in key)
        operator = "<" if descending else ">"
        self._clauses.append(f"({', '.join(columns)}) {operator} ({params})")
        return self

    @property
    def sql(self) -> str:
        """The conditions, ``true`` when there are none."""
        return " AND ".join(f"({c})" for c in self._clauses) or "true"

    def select(
        self, head: LiteralString, *, order_by: LiteralString, limit: int | None = None
    ) -> tuple[str, list[object]]:
        """``head WHERE … ORDER BY order_by [LIMIT $n]`` and its arguments."""
        args = list(self.args)
        sql = f"{head} WHERE {self.sql} ORDER BY {order_by}"
        if limit is not None:
            args.append(limit)
            sql += f" LIMIT ${len(args)}"
        return sql, args


def next_cursor(rows: Sequence[T], limit: int, key: Callable[[T], str]) -> str | None:
    """The cursor of the page after ``rows``: its last key when the page is full."""
    return key(rows[-1]) if rows and len(rows) == limit else None


def _placeholders(fragment: str) -> set[int]:
    auto, explicit = 0, set[int]()
    for _literal, field, _spec, _conversion in Formatter().parse(fragment):
        if field is None:
            continue
        if field == "":
            explicit.add(auto)
            auto += 1
        elif field.isdigit():
            explicit.add(int(field))
        else:
            raise ValueError(f"{fragment!r}: placeholders are {{}} or {{n}}, not {{{field}}}")
    return explicit
