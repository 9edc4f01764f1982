"""DEQAR's Submission API v2 report objects, read into the registry's names.

The same fields as :class:`~meriter_registry.reports.schemas.ReportSubmission`,
but with DEQAR's aliases (``agency_id``, ``status_id``/``decision_id``
numbers, ``activity`` names, ``%-d`` date formats, ``identifiers[]``, the CSV
template's singular list names): :func:`submission_aliases` and
:func:`programme_aliases` turn those into the registry's names before
validation. Nothing here validates; it only maps shapes.
"""

from __future__ import annotations

from typing import Any

from meriter_registry.deqar.common import as_list
from meriter_shared.qa import Decision, Status

STATUS_IDS = {"1": Status.OBLIGATORY, "2": Status.VOLUNTARY}
DECISION_IDS = {
    "1": Decision.POSITIVE,
    "2": Decision.POSITIVE_WITH_CONDITIONS,
    "3": Decision.NEGATIVE,
    "4": Decision.NOT_APPLICABLE,
}


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
        names = as_list(names)
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
        names, quals = as_list(names), as_list(qualifications)
        data["alternative_names"] = [
            {
                "name_alternative": n,
                **({"qualification_alternative": quals[i]} if i < len(quals) and quals[i] else {}),
            }
            for i, n in enumerate(names)
        ]
    if "country" in data and "countries" not in data:
        country = data.pop("country")
        data["countries"] = as_list(country)
    if "learning_outcome_esco" in data and "learning_outcomes" not in data:
        esco = data.pop("learning_outcome_esco")
        data["learning_outcomes"] = as_list(esco)
    identifier, resource = data.pop("identifier", None), data.pop("resource", None)
    if identifier is not None and "identifiers" not in data:
        ids, res = as_list(identifier), as_list(resource)
        data["identifiers"] = [
            {"identifier": x, **({"resource": res[i]} if i < len(res) and res[i] else {})}
            for i, x in enumerate(ids)
        ]
    return data
