"""DEQAR web API v2 records of agencies and institutions, as ``meriter registry
import`` reads them: :func:`agency_from_deqar`, :func:`institution_from_deqar`,
:func:`records`."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from meriter_registry.deqar.common import activity_type

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
