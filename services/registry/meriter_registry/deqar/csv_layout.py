"""DEQAR submission objects as CSV rows: repeated items in ``name[n].field``
columns (1-based, singular names), a header checked once per column
(:class:`CsvLayout`), and the byte order mark spreadsheets write first."""

from __future__ import annotations

import csv
import re
from collections.abc import AsyncIterator
from typing import Any

# DEQAR's CSV names repeated items in the singular (``file[1].display_name``).
_CSV_LISTS = {
    "institution": "institutions",
    "programme": "programmes",
    "file": "report_files",
    "link": "report_links",
    "contributing_agency": "contributing_agencies",
}
_SEGMENT = re.compile(r"([^\[\].]+)(?:\[(\d{1,4})\])?")
MAX_CSV_INDEX = 1000
BOM = b"\xef\xbb\xbf"
Place = tuple[str | int, ...]


class CsvColumnError(ValueError):
    """A header column that names no place in a submission object, or the place
    another column names already: the whole CSV is unusable, not one row."""


def column_path(column: str) -> Place:
    """Where a column's cells go: ``a`` → ("a",), ``institution[2].deqar_id`` →
    ("institutions", 2, "deqar_id"); segments are ``name`` or ``name[n]`` (1-based)."""
    path: list[str | int] = []
    for segment in column.strip().split("."):
        found = _SEGMENT.fullmatch(segment.strip())
        if found is None:
            raise CsvColumnError(f"column {column!r}: write name or name[n], dot-separated")
        name, index = found.group(1).strip(), found.group(2)
        if index is None:
            path.append(name)
            continue
        n = int(index)
        if not 1 <= n <= MAX_CSV_INDEX:
            raise CsvColumnError(f"column {column!r}: indexes run from 1 to {MAX_CSV_INDEX}")
        path += [_CSV_LISTS.get(name, name), n]
    return tuple(path)


class CsvLayout:
    """The header of one CSV submission: where each column's cells go.

    :meth:`read_header` passes a body's bytes through and checks the header's
    columns as soon as its line is complete, before any row is parsed;
    :meth:`submission` maps a row (column → cell) to a submission object,
    checking a column it has not seen. Two columns may not name one place,
    nor one place and a place inside it (``institution[1]`` beside
    ``institution[1].deqar_id``), nor a list and an object at one place:
    :class:`CsvColumnError`.
    """

    def __init__(self) -> None:
        self._paths: dict[str, Place] = {}
        self._taken: dict[Place, str] = {}
        self._kinds: dict[Place, type] = {}  # below a place: list indexes (int) or names (str)
        self.header_seen = False

    async def read_header(
        self, chunks: AsyncIterator[bytes], max_bytes: int = 65_536
    ) -> AsyncIterator[bytes]:
        """``chunks`` unchanged; their first record's columns checked on the way.

        A header that is not text or not CSV is left for the CSV parser to
        report; :attr:`header_seen` says whether a header line was read whole.
        """
        pending: bytearray | None = bytearray()
        async for chunk in chunks:
            if pending is not None:
                pending += chunk
                end = _record_end(pending)
                if end is not None:
                    self._check_header(bytes(pending[:end]))
                    pending = None
                elif len(pending) > max_bytes:
                    pending = None
            yield chunk
        if pending:
            self._check_header(bytes(pending))

    def _check_header(self, raw: bytes) -> None:
        try:
            names = next(csv.reader([raw.decode("utf-8").rstrip("\r\n")], strict=True), [])
        except (UnicodeDecodeError, csv.Error):
            return
        if len(names) != len(set(names)):
            return  # the parser's own problem to report
        for name in names:
            self.path(name.strip())
        self.header_seen = True

    def path(self, column: str) -> Place:
        known = self._paths.get(column)
        if known is not None:
            return known
        path = column_path(column)
        for other_path, other in self._taken.items():
            shorter = min(len(path), len(other_path))
            if path[:shorter] == other_path[:shorter]:
                raise CsvColumnError(f"columns {other!r} and {column!r} name the same place")
        for depth in range(len(path)):
            kind = self._kinds.setdefault(path[:depth], type(path[depth]))
            if kind is not type(path[depth]):
                raise CsvColumnError(f"column {column!r} makes a list and an object of one place")
        self._paths[column] = path
        self._taken[path] = column
        return path

    def submission(self, row: dict[str, str]) -> dict[str, Any]:
        """A row (column → cell) as a submission object; blank cells are absent."""
        out: dict[str | int, Any] = {}
        for column, cell in row.items():
            if cell is None or not cell.strip():
                continue
            *parents, last = self.path(column)
            node = out
            for key in parents:
                node = node.setdefault(key, {})
            node[last] = cell.strip()
        result: dict[str, Any] = _lists(out)
        return result


def _record_end(data: bytearray) -> int | None:
    """Where the first record ends: the first line break outside quotes."""
    at = data.find(b"\n")
    while at >= 0:
        if data.count(b'"', 0, at) % 2 == 0:
            return at
        at = data.find(b"\n", at + 1)
    return None


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        if node and all(isinstance(k, int) for k in node):
            return [_lists(node[k]) for k in sorted(node)]
        return {k: _lists(v) for k, v in node.items()}
    return node


def unflatten(row: dict[str, str]) -> dict[str, Any]:
    """A DEQAR CSV row (``field[n].sub`` columns, 1-based) as a submission object."""
    return CsvLayout().submission(row)


async def without_bom(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The body without the UTF-8 byte order mark spreadsheets put first."""
    head: bytes | None = b""
    async for chunk in chunks:
        if head is None:
            yield chunk
            continue
        head += chunk
        if len(head) >= len(BOM):
            yield head.removeprefix(BOM)
            head = None
    if head:
        yield head.removeprefix(BOM)
