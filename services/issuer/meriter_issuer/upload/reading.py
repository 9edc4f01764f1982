"""Records of a results file, each with the line it starts on and the bytes read so far.

Invariants:
- A file is read as bytes and counted exactly (``Lines.bytes_read``), so the
  progress bar's position is what has been read of the file's size, and a
  resumed upload skips exactly the records acknowledged before.
- ``line`` is the file's line on which a record starts, numbered from 1 as
  a spreadsheet numbers rows: a CSV's header is line 1, its first record
  line 2 (a quoted cell may span lines; the next record's line follows it).
- A CSV row whose cells do not match the header is a local rejection, never
  sent; an NDJSON line is sent as it is, the issuer judges it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from meriter_issuer.upload.columns import HeaderError, header_fields, record_of


@dataclass(frozen=True)
class Item:
    """One record of the file: the JSON text to send, or why it is not sent."""

    line: int
    text: str | None = None
    error: str | None = None
    result_id: str | None = None


class UnreadableFile(ValueError):
    """The file cannot be read on from here (not UTF-8); the message says where."""


class Lines:
    """The lines of a binary stream as text, counting bytes and lines consumed."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.bytes_read = 0
        self.lines_read = 0

    def __iter__(self) -> Iterator[str]:
        for raw in self._stream:
            if self.lines_read == 0 and raw.startswith(b"\xef\xbb\xbf"):
                self.bytes_read += 3  # a spreadsheet's byte-order mark is not a column name
                raw = raw[3:]
            self.bytes_read += len(raw)
            self.lines_read += 1
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise UnreadableFile(
                    f"line {self.lines_read} is not UTF-8 text (byte {exc.start + 1}): "
                    "save the file as UTF-8"
                ) from exc


def csv_items(lines: Lines) -> Iterator[Item]:
    """Records of a CSV file; ``HeaderError`` (before any record) when its header is wrong."""
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        return
    columns = header_fields(header)
    start = lines.lines_read + 1
    for cells in reader:
        line, start = start, lines.lines_read + 1
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        if len(cells) != len(columns):
            yield Item(
                line,
                error=f"{len(cells)} cells where the header has {len(columns)} columns",
                result_id=_result_id(columns, cells),
            )
            continue
        record = record_of(columns, cells)
        yield Item(
            line,
            json.dumps(record, ensure_ascii=False),
            result_id=record.get("result_id"),
        )


def ndjson_items(lines: Lines) -> Iterator[Item]:
    for text in lines:
        if text.strip():
            yield Item(lines.lines_read, text.rstrip("\r\n"))


def items_of(lines: Lines, fmt: str) -> Iterator[Item]:
    return csv_items(lines) if fmt == "csv" else ndjson_items(lines)


def _result_id(columns: list[Any], cells: list[str]) -> str | None:
    for column, cell in zip(columns, cells, strict=False):
        if column.name == "result_id":
            return cell.strip() or None
    return None


def result_id_of(text: str) -> str | None:
    """The ``result_id`` of an NDJSON record, when it has one (for a rejection's report)."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    found = value.get("result_id") if isinstance(value, dict) else None
    return found if isinstance(found, str) else None


__all__ = ["HeaderError", "Item", "Lines", "UnreadableFile", "items_of", "result_id_of"]
