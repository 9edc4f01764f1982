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
from datetime import date
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
        # DEQAR takes the name or the id in the field itself too ("status": 1).
        given = data.get(name)
        if isinstance(given, int | str) and not isinstance(given, bool):
            data[name] = ids.get(str(given).strip(), given)
    if "agency_id" in data and "agency" not in data:
        data["agency"] = str(data.pop("agency_id"))
    for key in ("agency", "activity", "report_id"):
        if isinstance(data.get(key), int) and not isinstance(data.get(key), bool):
            data[key] = str(data[key])  # DEQAR ids are numbers in JSON
    if "activity_id" in data and "activity" not in data:
        data["activity"] = str(data.pop("activity_id"))
    if "deqar_id" in data and "report_id" not in data:
        data["report_id"] = data.pop("deqar_id")
    if isinstance(data.get("contributing_agencies"), list):
        data["contributing_agencies"] = [
            str(a) if isinstance(a, int) else a for a in data["contributing_agencies"]
        ]
    if isinstance(data.get("institutions"), list):
        data["institutions"] = [_institution_ref(i) for i in data["institutions"]]
    # The CSV template's link[n] / link_display_name[n] columns, as report_links.
    links = data.get("report_links")
    if isinstance(links, list) and all(isinstance(x, str) for x in links):
        names = data.pop("link_display_name", None) or []
        names = names if isinstance(names, list) else [names]
        data["report_links"] = [
            {"link": link, **({"link_display_name": names[i]} if i < len(names) else {})}
            for i, link in enumerate(links)
        ]
    if isinstance(data.get("date_format"), str):
        # DEQAR's %-d / %-m (no leading zero) are what strptime's %d / %m accept anyway.
        data["date_format"] = data["date_format"].replace("%-d", "%d").replace("%-m", "%m")
    return data


# Institution fields DEQAR still accepts in a submission but marks deprecated
# ("please don't use"): the institution must exist, so they change nothing.
_DEPRECATED_INSTITUTION_FIELDS = (
    "name_official",
    "name_official_transliterated",
    "name_english",
    "acronym",
    "alternative_names",
    "locations",
    "qf_ehea_levels",
    "website_link",
)


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _institution_ref(ref: Any) -> Any:
    """DEQAR's institution object (``identifiers[]``, or the CSV's ``identifier[1]``
    / ``resource[1]``) as the registry's reference (one identifier)."""
    if not isinstance(ref, dict):
        return ref
    ref = {k: v for k, v in ref.items() if k not in _DEPRECATED_INSTITUTION_FIELDS}
    identifiers = ref.pop("identifiers", None)
    if isinstance(identifiers, list) and identifiers and "identifier" not in ref:
        chosen = next(
            (i for i in identifiers if isinstance(i, dict) and i.get("resource")), identifiers[0]
        )
        if isinstance(chosen, dict):
            ref["identifier"], ref["resource"] = chosen.get("identifier"), chosen.get("resource")
    for key in ("identifier", "resource"):
        if isinstance(ref.get(key), list):
            ref[key] = _first(ref[key])
    return ref


def programme_aliases(data: Any) -> Any:
    """A programme with the CSV template's names (``name_alternative[n]``,
    ``qualification_alternative[n]``, ``country[n]``, ``identifier[n]`` /
    ``resource[n]``, ``learning_outcome_esco[n]``) in the JSON shape."""
    if not isinstance(data, dict):
        return data
    data = dict(data)
    names = data.pop("name_alternative", None)
    qualifications = data.pop("qualification_alternative", None)
    if names is not None and "alternative_names" not in data:
        names = names if isinstance(names, list) else [names]
        quals = qualifications if isinstance(qualifications, list) else [qualifications]
        data["alternative_names"] = [
            {
                "name_alternative": n,
                **({"qualification_alternative": quals[i]} if i < len(quals) and quals[i] else {}),
            }
            for i, n in enumerate(names)
        ]
    if "country" in data and "countries" not in data:
        country = data.pop("country")
        data["countries"] = country if isinstance(country, list) else [country]
    if "learning_outcome_esco" in data and "learning_outcomes" not in data:
        esco = data.pop("learning_outcome_esco")
        data["learning_outcomes"] = esco if isinstance(esco, list) else [esco]
    identifier, resource = data.pop("identifier", None), data.pop("resource", None)
    if identifier is not None and "identifiers" not in data:
        ids = identifier if isinstance(identifier, list) else [identifier]
        res = resource if isinstance(resource, list) else [resource]
        data["identifiers"] = [
            {"identifier": x, **({"resource": res[i]} if i < len(res) and res[i] else {})}
            for i, x in enumerate(ids)
        ]
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
#
# DEQAR's web API v2 serves institutions with ``names[]`` (name_official,
# name_english, acronym, name_valid_to), ``countries[]`` (a nested ``country``
# object with ``iso_3166_alpha2``, plus ``city`` and country_valid_from/to),
# ``qf_ehea_levels[]`` as objects (``{"qf_ehea_level": "first cycle", ...}``),
# ``identifiers[]`` (identifier, resource, agency, identifier_valid_from/to),
# ``website_link`` and ``is_other_provider``; its detail view gives the
# numeric ``id`` (DEQARINST + the id, zero-padded to four digits) and the list
# view ``deqar_id``. Agencies come with ``acronym_primary``/``name_primary``
# (list) or ``names[].name_versions[]`` (detail), a nested ``country``,
# ``registration_start``/``registration_valid_to`` and ``activities[]``.
# The registry keeps one current value where DEQAR keeps a history (names,
# countries): the entry in force (no end date, else the latest end).

QF_EHEA_LEVELS = {"short cycle": 0, "first cycle": 1, "second cycle": 2, "third cycle": 3}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


class RecordError(ValueError):
    """A web API record the import cannot map; the message says why."""


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RecordError(f"expected text, got {type(value).__name__}")
    text = str(value).strip()
    return text or None


def _day(value: Any, field: str) -> str | None:
    """A DEQAR date (``YYYY-MM-DD``, perhaps with a time) as ``YYYY-MM-DD``."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise RecordError(f"{field}: not a date: {value!r}")
    return value[:10]


def _objects(rec: dict[str, Any], field: str) -> list[dict[str, Any]]:
    items = rec.get(field) or []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise RecordError(f"{field}: expected a list of objects")
    return items


def _in_force(items: list[dict[str, Any]], valid_to: str) -> dict[str, Any] | None:
    """The entry with no end date, else the one that ended last (DEQAR lists a history)."""
    if not items:
        return None
    return max(items, key=lambda i: (i.get(valid_to) in (None, ""), str(i.get(valid_to) or "")))


def _iso_country(value: Any, field: str) -> str | None:
    if isinstance(value, dict):
        value = value.get("iso_3166_alpha2")
    code = _text(value)
    if code is None:
        return None
    if len(code) != 2 or not code.isalpha():
        raise RecordError(f"{field}: not an ISO 3166 alpha-2 code: {code!r}")
    return code.upper()


def _website(value: Any) -> str | None:
    link = _text(value)
    if link and "://" not in link:
        link = "http://" + link  # DEQAR keeps some links without their scheme
    return link


def qf_ehea_level(value: Any) -> int:
    """0..3 from a DEQAR level: an object, a name ("first cycle") or an id."""
    if isinstance(value, dict):
        value = value.get("qf_ehea_level", value.get("code", value.get("id")))
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 3:
        return value
    if isinstance(value, str):
        name = value.strip().lower()
        if name in QF_EHEA_LEVELS:
            return QF_EHEA_LEVELS[name]
        if name in {"0", "1", "2", "3"}:
            return int(name)
    raise RecordError(f"qf_ehea_levels: unknown QF-EHEA level {value!r}")


def institution_deqar_id(rec: dict[str, Any]) -> str | None:
    """``deqar_id`` as given, else DEQARINST and the numeric ``id`` (four digits at least)."""
    given = _text(rec.get("deqar_id"))
    if given:
        return given
    numeric = rec.get("id")
    if isinstance(numeric, int) and not isinstance(numeric, bool) and numeric > 0:
        return f"DEQARINST{numeric:04d}"
    if isinstance(numeric, str) and numeric.isdigit():
        return f"DEQARINST{int(numeric):04d}"
    return None


def institution_from_deqar(rec: Any, today: date | None = None) -> dict[str, Any]:
    """A DEQAR web API v2 institution as this registry's institution body.

    Raises :class:`RecordError` naming what cannot be mapped."""
    if not isinstance(rec, dict):
        raise RecordError("an institution record must be an object")
    today = today or date.today()
    name = _in_force(_objects(rec, "names"), "name_valid_to") or {}
    official = _text(name.get("name_official")) or _text(rec.get("name_primary"))
    if official is None:
        raise RecordError("names: no name_official")
    place = _in_force(_objects(rec, "countries"), "country_valid_to") or {}
    country = _iso_country(place.get("country"), "countries") or _iso_country(
        rec.get("country"), "country"
    )
    if country is None:
        raise RecordError("countries: no country with an iso_3166_alpha2 code")
    levels: list[int] = []
    for level in rec.get("qf_ehea_levels") or []:
        ended = (
            _day(level.get("qf_ehea_level_valid_to"), "qf_ehea_levels")
            if isinstance(level, dict)
            else None
        )
        found = qf_ehea_level(level)
        if (ended is None or ended >= today.isoformat()) and found not in levels:
            levels.append(found)
    identifiers = []
    seen: set[tuple[str, str]] = set()
    for i in _objects(rec, "identifiers"):
        identifier = _text(i.get("identifier"))
        agency = _text(i.get("agency"))
        resource = _text(i.get("resource")) or ("local identifier" if agency else None)
        if resource == "local identifier" and agency:
            resource = f"{agency} local identifier"  # local identifiers are per agency
        if identifier is None or resource is None or (resource, identifier) in seen:
            continue
        seen.add((resource, identifier))
        identifiers.append(
            {
                "resource": resource,
                "identifier": identifier,
                "valid_from": _day(i.get("identifier_valid_from"), "identifier_valid_from"),
                "valid_to": _day(i.get("identifier_valid_to"), "identifier_valid_to"),
            }
        )
    eter = rec.get("eter_id")
    if isinstance(eter, dict):
        eter = eter.get("eter_id")
    body: dict[str, Any] = {
        "deqar_id": institution_deqar_id(rec),
        "eter_id": _text(eter),
        "name_official": official,
        "name_english": _text(name.get("name_english")),
        "country": country,
        "city": _text(place.get("city")) or _text(rec.get("city")),
        "website": _website(rec.get("website_link")),
        "qf_ehea_levels": sorted(levels),
        "is_other_provider": bool(rec.get("is_other_provider", False)),
        "identifiers": identifiers,
    }
    return {k: v for k, v in body.items() if v is not None}


def agency_from_deqar(rec: Any) -> dict[str, Any]:
    """A DEQAR web API v2 agency (list or detail view) as this registry's agency body.

    Raises :class:`RecordError` naming what cannot be mapped."""
    if not isinstance(rec, dict):
        raise RecordError("an agency record must be an object")
    acronym, name = _text(rec.get("acronym_primary")), _text(rec.get("name_primary"))
    current = _in_force(_objects(rec, "names"), "name_valid_to") or {}
    versions = [v for v in current.get("name_versions") or [] if isinstance(v, dict)]
    for version in versions:
        if acronym is None and version.get("acronym_is_primary"):
            acronym = _text(version.get("acronym"))
        if name is None and version.get("name_is_primary"):
            name = _text(version.get("name"))
    acronym = acronym or _text(rec.get("acronym"))
    name = name or _text(rec.get("name"))
    if acronym is None or name is None:
        raise RecordError("no primary acronym and name (acronym_primary, name_primary)")
    start = _day(rec.get("registration_start"), "registration_start")
    end = _day(rec.get("registration_valid_to"), "registration_valid_to")
    deqar_id = _text(rec.get("deqar_id")) or _text(rec.get("id"))
    body: dict[str, Any] = {
        "acronym": acronym,
        "name": name,
        "deqar_id": deqar_id,
        "eqar_registrations": [{"registered_from": start, "registered_to": end}] if start else [],
    }
    country = _iso_country(rec.get("country"), "country")
    if country:
        body["country"] = country
    website = _website(rec.get("website_link"))
    if website:
        body["website"] = website
    activities = []
    for a in _objects(rec, "activities"):
        activity = _text(a.get("activity"))
        kind = activity_type(str(a.get("activity_type") or "")) if a.get("activity_type") else None
        if activity is None or kind is None:
            continue
        activities.append(
            {
                "deqar_id": _text(a.get("id")),
                "activity": activity,
                "activity_type": kind.value,
                "local_identifier": _text(a.get("activity_local_identifier")),
                "valid_to": _day(a.get("activity_valid_to"), "activity_valid_to"),
            }
        )
    if activities:
        body["activities"] = activities
    return body


def records(path: Path) -> list[Any]:
    """The records of a web API answer saved to a file: a list, or a page (``results``)."""
    data = json.loads(path.read_text("utf-8"))
    if isinstance(data, dict):
        data = data.get("results", [data])
    if not isinstance(data, list):
        raise RecordError(f"{path}: expected a list of records or a page with results")
    return data
