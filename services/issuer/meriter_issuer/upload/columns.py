"""The CSV columns of a results file and how a row becomes an intake record.

Invariants:
- ``COLUMNS`` is the one list of columns: the reader accepts exactly these
  names (and, for the learner's, the dotted aliases ``learner.identifier``…
  the registry's CSV style), the template writes them, and the README's
  table documents them (tests check all three against ``ResultIn``).
- A header is judged before any row is sent: a column that is neither known
  nor an alias, or two columns giving one field, stop the upload with one
  message naming the known columns.
- Empty cells are left out of the record, so the intake's defaults apply.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, get_args

from meriter_credentials.microcredential import Supervision
from meriter_credentials.vocabularies import IdentityType


@dataclass(frozen=True)
class Column:
    name: str  # the CSV header
    field: tuple[str, ...]  # where it goes in the intake record
    required: bool
    format: str
    example: str

    @property
    def alias(self) -> str | None:
        """The dotted spelling (``learner.identifier``) of a nested field."""
        return ".".join(self.field) if len(self.field) > 1 else None


_IDENTITY_TYPES = get_args(IdentityType)
_SUPERVISION = [s.value for s in Supervision]

COLUMNS: tuple[Column, ...] = (
    Column(
        "result_id",
        ("result_id",),
        True,
        "your own unique id of this result: letters, digits and . _ : -, "
        "starting with a letter or digit, at most 128",
        "LADOK-2026-000123",
    ),
    Column(
        "offering_id",
        ("offering_id",),
        True,
        "the id the registry gave one of your offerings",
        "9a8b7c6d-0000-4000-8000-000000000001",
    ),
    Column(
        "learner_identifier",
        ("learner", "identifier"),
        True,
        "the learner's identifier, 1–200 characters (stored hashed in the credential)",
        "199001011234",
    ),
    Column(
        "learner_identifier_type",
        ("learner", "identifier_type"),
        False,
        "what the identifier is (default nationalIdentityNumber); one of "
        + ", ".join(_IDENTITY_TYPES),
        "nationalIdentityNumber",
    ),
    Column(
        "learner_name",
        ("learner", "name"),
        True,
        "the learner's full name, 1–300 characters",
        "Åsa Öberg",
    ),
    Column(
        "learner_email",
        ("learner", "email"),
        True,
        "where the learner is told the credential is ready",
        "asa@example.se",
    ),
    Column(
        "learner_language",
        ("learner", "language"),
        False,
        "the language of the learner's mail: en (default) or sv",
        "sv",
    ),
    Column(
        "assessed_on",
        ("assessed_on",),
        True,
        "the date the learner was assessed, YYYY-MM-DD",
        "2026-06-01",
    ),
    Column("grade", ("grade",), False, "the grade as you award it, 1–40 characters", "A"),
    Column(
        "supervision",
        ("supervision",),
        False,
        "how the assessment was supervised; one of " + ", ".join(_SUPERVISION),
        "onsite-with-id-check",
    ),
    Column(
        "issued_on",
        ("issued_on",),
        False,
        "the date the credential says it was issued, YYYY-MM-DD (default: when it is signed)",
        "2026-06-03",
    ),
)

_BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS} | {
    c.alias: c for c in COLUMNS if c.alias is not None
}


class HeaderError(ValueError):
    """A header the reader cannot map; the message says what it knows."""


def known_columns() -> str:
    names = ", ".join(c.name for c in COLUMNS)
    return f"known columns: {names} (learner_* also as learner.*, e.g. learner.identifier)"


def header_fields(header: Sequence[str]) -> list[Column]:
    """Each header cell's column, or one ``HeaderError`` for what is wrong."""
    columns: list[Column] = []
    unknown: list[str] = []
    given: dict[tuple[str, ...], str] = {}
    for raw in header:
        name = raw.strip()
        column = _BY_NAME.get(name)
        if column is None:
            unknown.append(name or "(an empty column name)")
            continue
        if column.field in given:
            raise HeaderError(
                f"columns {given[column.field]!r} and {name!r} both give {'.'.join(column.field)}"
            )
        given[column.field] = name
        columns.append(column)
    if unknown:
        listed = ", ".join(repr(u) for u in unknown)
        raise HeaderError(
            f"unknown column{'s' if len(unknown) > 1 else ''} {listed}; {known_columns()}"
        )
    missing = [c.name for c in COLUMNS if c.required and c.field not in given]
    if missing:
        raise HeaderError(f"missing required column(s) {', '.join(missing)}; {known_columns()}")
    return columns


def record_of(columns: Sequence[Column], cells: Sequence[str]) -> dict[str, Any]:
    """An intake record from one row's cells (already checked to match the header)."""
    record: dict[str, Any] = {}
    for column, cell in zip(columns, cells, strict=True):
        value = cell.strip()
        if not value:
            continue
        target = record
        for key in column.field[:-1]:
            target = target.setdefault(key, {})
        target[column.field[-1]] = value
    return record


def example_record(offering_id: str | None = None) -> dict[str, Any]:
    """The template's record: every column's example, nested as the intake takes it."""
    record = record_of(COLUMNS, [c.example for c in COLUMNS])
    if offering_id:
        record["offering_id"] = offering_id
    return record


def template(fmt: str, offering_id: str | None = None) -> str:
    """A header and one example row (CSV), or one example line (NDJSON)."""
    record = example_record(offering_id)
    if fmt == "ndjson":
        return json.dumps(record, ensure_ascii=False) + "\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.name for c in COLUMNS])
    row = []
    for c in COLUMNS:
        value: Any = record
        for key in c.field:
            value = value[key]
        row.append(value)
    writer.writerow(row)
    return out.getvalue()
