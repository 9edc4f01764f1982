"""DEQAR's formats, mapped to and from the registry's in one place.

DEQAR (the Database of External Quality Assurance Results) speaks three
formats the registry reads:

* Submission API v2 report objects — the same fields as
  :class:`~meriter_registry.reports.schemas.ReportSubmission`, but with
  DEQAR's aliases (``agency_id``, ``status_id``/``decision_id`` numbers,
  ``activity`` names, ``%-d`` date formats); :func:`submission_aliases`
  turns those into the registry's names before validation;
* the same objects as CSV rows, repeated items in ``name[n].field`` columns
  (1-based, singular names): :class:`CsvLayout` (its header, checked once
  per column) and :func:`unflatten`;
* web API v2 records of agencies and institutions, as ``meriter registry
  import`` reads them: :func:`agency_from_deqar`,
  :func:`institution_from_deqar`, :func:`records`.

Nothing here touches the database or decides a rule; it only maps shapes.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from meriter_shared.qa import ActivityType, Decision, Status

# --- Submission API v2 objects ---------------------------------------------

STATUS_IDS = {"1": Status.OBLIGATORY, "2": Status.VOLUNTARY}
DECISION_IDS = {
    "1": Decision.POSITIVE,
    "2": Decision.POSITIVE_WITH_CONDITIONS,
    "3": Decision.NEGATIVE,
    "4": Decision.NOT_APPLICABLE,
}


def activity_type(activity: str) -> ActivityType | None:
    """DEQAR activity names carry their type's words; other names need ``activity_type``."""
    words = activity.lower()
    if "joint" in words:
        return ActivityType.JOINT_PROGRAMME
    if "institutional/programme" in words:
        return ActivityType.INSTITUTIONAL_PROGRAMME
    if "programme" in words or "program" in words:
        return ActivityType.PROGRAMME
    if "institution" in words:
        return ActivityType.INSTITUTIONAL
    return None


def submission_aliases(data: Any) -> Any:
    """A submission object with DEQAR's aliases replaced by the registry's names."""
    if not isinstance(data, dict):
        return data
    data = dict(data)
    for name, ids in (("status", STATUS_IDS), ("decision", DECISION_IDS)):
        raw = data.pop(f"{name}_id", None)
        if raw is not None and name not in data:
            data[name] = ids.get(str(raw), str(raw))
    if "agency_id" in data and "agency" not in data:
        data["agency"] = str(data.pop("agency_id"))
    if "activity_id" in data and "activity" not in data:
        data["activity"] = str(data.pop("activity_id"))
    if "activity_type" not in data:
        named = data.get("activity") or data.get("activity_local_identifier")
        found = activity_type(str(named)) if named else None
        if found is not None:
            data["activity_type"] = found
    if isinstance(data.get("date_format"), str):
        # DEQAR's %-d / %-m (no leading zero) are what strptime's %d / %m accept anyway.
        data["date_format"] = data["date_format"].replace("%-d", "%d").replace("%-m", "%m")
    return data


# --- CSV ------------------------------------------------------------------

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


# --- web API v2 records -------------------------------------------------------


def agency_from_deqar(rec: dict[str, Any]) -> dict[str, Any]:
    """A DEQAR web API v2 agency to this registry's agency body."""
    start = rec.get("registration_start")
    end = rec.get("registration_valid_to")
    body: dict[str, Any] = {
        "acronym": rec.get("acronym_primary") or rec.get("acronym"),
        "name": rec.get("name_primary") or rec.get("name"),
        "deqar_id": str(rec["deqar_id"])
        if rec.get("deqar_id")
        else str(rec.get("id") or "") or None,
        "eqar_registrations": [{"registered_from": start, "registered_to": end}] if start else [],
    }
    country = rec.get("country")
    if isinstance(country, dict):
        country = country.get("iso_3166_alpha2")
    if country:
        body["country"] = str(country).upper()
    if rec.get("website_link"):
        body["website"] = rec["website_link"]
    return body


def institution_from_deqar(rec: dict[str, Any]) -> dict[str, Any]:
    """A DEQAR web API v2 institution to this registry's institution body."""
    names = rec.get("names") or [{}]
    countries = rec.get("countries") or [{}]
    country = countries[0].get("country_iso") or countries[0].get("iso_3166_alpha2")
    places = rec.get("places") or []
    body: dict[str, Any] = {
        "deqar_id": rec.get("deqar_id"),
        "eter_id": rec.get("eter_id") or None,
        "name_official": names[0].get("name_official") or rec.get("name_primary"),
        "name_english": names[0].get("name_english") or None,
        "country": (country or rec.get("country") or "").upper(),
        "city": (places[0].get("city") if places else None) or rec.get("city"),
        "website": rec.get("website_link") or None,
        "qf_ehea_levels": [
            int(q["code"] if isinstance(q, dict) else q) for q in rec.get("qf_ehea_levels") or []
        ],
        "is_other_provider": bool(rec.get("is_other_provider", False)),
        "identifiers": [
            {
                "resource": i.get("resource"),
                "identifier": i.get("identifier"),
                "valid_from": i.get("identifier_valid_from") or i.get("valid_from"),
                "valid_to": i.get("identifier_valid_to") or i.get("valid_to"),
            }
            for i in rec.get("identifiers") or []
        ],
    }
    return {k: v for k, v in body.items() if v is not None}


def records(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text("utf-8"))
    if isinstance(data, dict):
        data = data.get("results", [data])
    return list(data)
