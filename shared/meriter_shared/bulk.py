"""Bulk inputs (NDJSON, CSV) parsed as they stream in, with bounded memory.

A bulk body can be tens of megabytes of records of which any may be bad.
These parsers read the body chunk by chunk and hand over one record at a
time — its 0-based index and either its value or the reason it is bad — so
a service holds at most one record (``max_record_bytes``) beyond what it
chose to keep. A record over that size, not UTF-8, holding a NUL or a lone
surrogate, nesting too deep or not parsing is reported and skipped; the
stream goes on. The parsers give the event loop a turn every
``YIELD_EVERY`` records, so a large body never stalls other requests.

:class:`Errors` keeps the first ``detailed`` errors in full and counts the
rest, so an answer listing them stays small whatever the input.
"""

from __future__ import annotations

import asyncio
import csv
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from meriter_shared.hygiene import MAX_JSON_DEPTH, nests_deeper_than, text_problem

YIELD_EVERY = 200


@dataclass(frozen=True, slots=True)
class Record:
    """One record of a bulk body: its value, or why it has none."""

    index: int
    value: Any = None
    error: str | None = None


@dataclass
class Errors:
    """The first ``detailed`` errors in full, and how many there were in all."""

    detailed: int = 100
    items: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0

    def add(self, index: int, detail: str, **extra: Any) -> None:
        self.total += 1
        if len(self.items) < self.detailed:
            self.items.append({"index": index, "detail": detail, **extra})

    @property
    def omitted(self) -> int:
        return self.total - len(self.items)


async def _lines(
    chunks: AsyncIterator[bytes], max_line_bytes: int
) -> AsyncIterator[tuple[bytes | None, str | None]]:
    """Lines without their ending; an over-long line is (None, reason) and is skipped."""
    pending = bytearray()
    skipping = False
    async for chunk in chunks:
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            if end < 0:
                if not skipping:
                    pending += chunk[start:]
                    if len(pending) > max_line_bytes:
                        pending.clear()
                        skipping = True
                        yield None, f"the record is over {max_line_bytes} bytes"
                break
            if skipping:
                skipping = False
            else:
                pending += chunk[start:end]
                if len(pending) > max_line_bytes:
                    yield None, f"the record is over {max_line_bytes} bytes"
                else:
                    yield bytes(pending).rstrip(b"\r"), None
            pending.clear()
            start = end + 1
    if pending and not skipping:
        yield bytes(pending).rstrip(b"\r"), None


async def ndjson_records(
    chunks: AsyncIterator[bytes], *, max_record_bytes: int = 65_536
) -> AsyncIterator[Record]:
    """Each non-blank line of an NDJSON body as a :class:`Record` (JSON value or error)."""
    index = 0
    async for line, too_long in _lines(chunks, max_record_bytes):
        if line is not None and not line.strip():
            continue
        if index % YIELD_EVERY == YIELD_EVERY - 1:
            await asyncio.sleep(0)
        if line is None:
            yield Record(index, error=too_long)
        elif reason := text_problem(line, "record"):
            yield Record(index, error=reason)
        elif nests_deeper_than(line, MAX_JSON_DEPTH):
            yield Record(index, error=f"the record nests deeper than {MAX_JSON_DEPTH} levels")
        else:
            try:
                yield Record(index, value=json.loads(line))
            except ValueError as exc:
                yield Record(index, error=f"not JSON: {exc}")
        index += 1


async def csv_rows(
    chunks: AsyncIterator[bytes],
    *,
    max_record_bytes: int = 65_536,
    max_columns: int = 1000,
) -> AsyncIterator[Record]:
    """Each data row of a CSV body (RFC 4180, header first) as a column → cell dict.

    The header's problems (not UTF-8, empty, duplicate or over-many columns)
    end the parse with one error at index -1: no row means anything without it.
    Quoted cells may hold line breaks; a record is complete at a line break
    that leaves its quotes balanced.
    """
    header: list[str] | None = None
    record = bytearray()
    index = 0
    async for line, too_long in _lines(chunks, max_record_bytes):
        if line is None:
            record.clear()
            if header is None:
                yield Record(-1, error=f"the header is over {max_record_bytes} bytes")
                return
            yield Record(index, error=too_long)
            index += 1
            continue
        record += line
        if record.count(b'"') % 2:
            if len(record) > max_record_bytes:
                record.clear()
                yield Record(index, error=f"the record is over {max_record_bytes} bytes")
                index += 1
            else:
                record += b"\n"  # a line break inside a quoted cell
            continue
        raw, record = bytes(record), bytearray()
        reason = text_problem(raw, "header" if header is None else "row")
        cells: list[str] = []
        if reason is None:
            try:
                cells = next(csv.reader([raw.decode("utf-8")], strict=True), [])
            except csv.Error as exc:
                reason = f"not CSV: {exc}"
        if header is None:
            names = [c.strip() for c in cells]
            if reason is None and (not names or not any(names)):
                reason = "the header names no columns"
            elif reason is None and len(names) > max_columns:
                reason = f"the header has over {max_columns} columns"
            elif reason is None and len(set(names)) != len(names):
                reason = "the header names a column twice"
            if reason is not None:
                yield Record(-1, error=reason)
                return
            header = names
            continue
        if not raw.strip():
            continue
        if index % YIELD_EVERY == YIELD_EVERY - 1:
            await asyncio.sleep(0)
        if reason is not None:
            yield Record(index, error=reason)
        elif len(cells) > len(header):
            yield Record(index, error=f"the row has {len(cells)} cells for {len(header)} columns")
        else:
            yield Record(index, value=dict(zip(header, cells, strict=False)))
        index += 1
    if record:
        yield Record(index, error="the last record ends inside a quoted cell")
