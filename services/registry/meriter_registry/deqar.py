"""DEQAR's formats, mapped to and from the registry's in one place.

DEQAR (the Database of External Quality Assurance Results) speaks three
formats the registry reads:

* Submission API v2 report objects — the same fields as
  :class:`~meriter_registry.reports.schemas.ReportSubmission`, but with
  DEQAR's aliases (``agency_id``, ``status_id``/``decision_id`` numbers,
  ``activity`` names, ``%-d`` date formats); :func:`submission_aliases`
  turns those into the registry's names before validation;
* the same objects as CSV rows, repeated items in ``name[n].field`` columns
  (1-based, singular names): :func:`csv_submissions` and :func:`unflatten`;
* web API v2 records of agencies and institutions, as ``meriter registry
  import`` reads them: :func:`agency_from_deqar`,
  :func:`institution_from_deqar`, :func:`records`.

Nothing here touches the database or decides a rule; it only maps shapes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
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


def csv_submissions(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each CSV row (line number, header = line 1) as a submission object."""
    for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        yield line, unflatten(row)


# DEQAR's CSV names repeated items in the singular (``file[1].display_name``).
_CSV_LISTS = {
    "institution": "institutions",
    "programme": "programmes",
    "file": "report_files",
    "link": "report_links",
    "contributing_agency": "contributing_agencies",
}


def _put(target: dict[str, Any], path: str, value: str) -> None:
    """Set ``a``, ``a[n]`` or ``a[n].rest`` (1-based n, nested) in ``target``."""
    head, dot, rest = path.partition(".")
    name, bracket, index_text = head.partition("[")
    if not bracket:
        target[name] = value  # a plain column; a dotted tail has no meaning here
        return
    name = _CSV_LISTS.get(name, name)
    index = int(index_text.rstrip("]"))
    items: dict[int, Any] = target.setdefault(name, {})
    if dot:
        _put(items.setdefault(index, {}), rest, value)
    else:
        items[index] = value


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        if node and all(isinstance(k, int) for k in node):
            return [_lists(node[k]) for k in sorted(node)]
        return {k: _lists(v) for k, v in node.items()}
    return node


def unflatten(row: dict[str, str]) -> dict[str, Any]:
    """A DEQAR CSV row (``field[n].sub`` columns, 1-based) as a submission object."""
    out: dict[str, Any] = {}
    for column, cell in row.items():
        if column is None or cell is None or cell.strip() == "":
            continue
        _put(out, column.strip(), cell.strip())
    result: dict[str, Any] = _lists(out)
    return result


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
