"""DEQAR's formats (deqar.py): pure mapping, no database."""

from __future__ import annotations

import json
from pathlib import Path

from meriter_registry import deqar
from meriter_shared.qa import ActivityType, Decision, Status


def test_csv_columns_with_indexes_become_lists_in_their_plural_names() -> None:
    row = {
        "agency": " AAA ",
        "institution[2].deqar_id": "DEQARINST0002",
        "institution[1].deqar_id": "DEQARINST0001",
        "file[1].original_location": "https://a.example/r.pdf",
        "file[1].report_language[1]": "sv",
        "file[1].report_language[2]": "en",
        "summary": "  ",
    }
    assert deqar.unflatten(row) == {
        "agency": "AAA",
        "institutions": [{"deqar_id": "DEQARINST0001"}, {"deqar_id": "DEQARINST0002"}],
        "report_files": [
            {"original_location": "https://a.example/r.pdf", "report_language": ["sv", "en"]}
        ],
    }


def test_csv_rows_are_numbered_as_lines_of_the_file() -> None:
    text = "agency,local_identifier\nAAA,r1\nBBB,r2\n"
    assert [(n, s["agency"]) for n, s in deqar.csv_submissions(text)] == [(2, "AAA"), (3, "BBB")]


def test_submission_aliases_take_deqar_ids_and_activity_names() -> None:
    mapped = deqar.submission_aliases(
        {
            "agency_id": 33,
            "status_id": 1,
            "decision_id": "3",
            "activity": "programme accreditation",
            "date_format": "%-d.%-m.%Y",
        }
    )
    assert mapped == {
        "agency": "33",
        "activity": "programme accreditation",
        "status": Status.OBLIGATORY,
        "decision": Decision.NEGATIVE,
        "activity_type": ActivityType.PROGRAMME,
        "date_format": "%d.%m.%Y",
    }


def test_web_api_agency_and_institution_records_map_to_registry_bodies() -> None:
    agency = deqar.agency_from_deqar(
        {
            "id": 5,
            "acronym_primary": "UKA",
            "name_primary": "Swedish Higher Education Authority",
            "country": {"iso_3166_alpha2": "se"},
            "registration_start": "2010-01-01",
            "registration_valid_to": None,
        }
    )
    assert agency == {
        "acronym": "UKA",
        "name": "Swedish Higher Education Authority",
        "deqar_id": "5",
        "eqar_registrations": [{"registered_from": "2010-01-01", "registered_to": None}],
        "country": "SE",
    }
    institution = deqar.institution_from_deqar(
        {
            "deqar_id": "DEQARINST0100",
            "names": [{"name_official": "Uppsala universitet"}],
            "countries": [{"country_iso": "se"}],
            "qf_ehea_levels": [{"code": 1}, 2],
            "identifiers": [{"resource": "SCHAC", "identifier": "uu.se"}],
        }
    )
    assert institution["country"] == "SE"
    assert institution["qf_ehea_levels"] == [1, 2]
    assert institution["identifiers"][0]["identifier"] == "uu.se"


def test_records_read_a_list_or_a_page_of_results(tmp_path: Path) -> None:
    listed, paged = tmp_path / "l.json", tmp_path / "p.json"
    listed.write_text(json.dumps([{"a": 1}]))
    paged.write_text(json.dumps({"count": 1, "results": [{"a": 2}]}))
    assert deqar.records(listed) == [{"a": 1}]
    assert deqar.records(paged) == [{"a": 2}]
