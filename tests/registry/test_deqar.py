"""DEQAR's formats (deqar.py): pure mapping, no database."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

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


@pytest.mark.parametrize(
    "columns",
    [
        ["institution[1]", "institution[1].deqar_id"],
        ["institution[1].deqar_id", "institutions[1].deqar_id"],
        ["institution[1].deqar_id", "institution[01].deqar_id"],
        ["agency", "agency.acronym"],
        ["institutions.deqar_id", "institution[1].deqar_id"],
        ["institution[0].deqar_id"],
        ["institution[x].deqar_id"],
        ["institution[1001].deqar_id"],
        ["file[1]..display_name"],
        ["valid from]"],
    ],
)
def test_csv_columns_that_name_no_place_or_a_taken_one_are_refused(columns: list[str]) -> None:
    layout = deqar.CsvLayout()
    with pytest.raises(deqar.CsvColumnError):
        layout.submission(dict.fromkeys(columns, "x"))


async def test_a_byte_order_mark_is_dropped_however_the_body_is_cut() -> None:
    async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
        for part in parts:
            yield part

    for parts in ([b"\xef", b"\xbb\xbfagency\n"], [b"\xef\xbb\xbfagency\n"], [b"agency\n"]):
        assert b"".join([c async for c in deqar.without_bom(chunks(*parts))]) == b"agency\n"


def test_activity_names_carry_their_type() -> None:
    assert deqar.activity_type("programme accreditation") is ActivityType.PROGRAMME
    assert deqar.activity_type("joint programme evaluation") is ActivityType.JOINT_PROGRAMME
    assert deqar.activity_type("institutional audit") is ActivityType.INSTITUTIONAL
    assert deqar.activity_type("8") is None


def test_csv_names_of_a_deqar_template_map_to_the_json_shape() -> None:
    mapped = deqar.submission_aliases(
        {
            "agency": 33,
            "report_links": ["https://a.example/1", "https://a.example/2"],
            "link_display_name": ["record", "decision"],
            "institutions": [
                {"identifier": ["HCERES21"], "resource": ["DE-HRK"], "name_official": "X"}
            ],
        }
    )
    assert mapped == {
        "agency": "33",
        "report_links": [
            {"link": "https://a.example/1", "link_display_name": "record"},
            {"link": "https://a.example/2", "link_display_name": "decision"},
        ],
        "institutions": [{"identifier": "HCERES21", "resource": "DE-HRK"}],
    }
    programme = deqar.programme_aliases(
        {"name_primary": "P", "name_alternative": ["Q"], "country": ["BE"], "identifier": ["61"]}
    )
    assert programme == {
        "name_primary": "P",
        "alternative_names": [{"name_alternative": "Q"}],
        "countries": ["BE"],
        "identifiers": [{"identifier": "61"}],
    }


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
            "id": 100,
            "names": [{"name_official": "Uppsala universitet", "name_valid_to": None}],
            "countries": [{"country": {"iso_3166_alpha2": "se"}, "city": "Uppsala"}],
            "qf_ehea_levels": [{"qf_ehea_level": "second cycle"}, {"qf_ehea_level": "first cycle"}],
            "identifiers": [{"resource": "SCHAC", "identifier": "uu.se"}],
        }
    )
    assert institution["deqar_id"] == "DEQARINST0100"
    assert (institution["country"], institution["city"]) == ("SE", "Uppsala")
    assert institution["qf_ehea_levels"] == [1, 2]
    assert institution["identifiers"][0]["identifier"] == "uu.se"


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ("not an object", "object"),
        ({"names": [{"name_official": "X"}], "countries": []}, "countries"),
        ({"names": "X", "countries": []}, "names"),
        (
            {"names": [{"name_official": "X"}], "country": "SE", "qf_ehea_levels": ["fifth"]},
            "level",
        ),
        (
            {
                "names": [{"name_official": "X"}],
                "country": "SE",
                "identifiers": [
                    {"resource": "R", "identifier": "1", "identifier_valid_from": "soon"}
                ],
            },
            "identifier_valid_from",
        ),
    ],
)
def test_an_unmappable_institution_record_says_why(record: object, reason: str) -> None:
    with pytest.raises(deqar.RecordError, match=reason):
        deqar.institution_from_deqar(record)


def test_records_read_a_list_or_a_page_of_results(tmp_path: Path) -> None:
    listed, paged = tmp_path / "l.json", tmp_path / "p.json"
    listed.write_text(json.dumps([{"a": 1}]))
    paged.write_text(json.dumps({"count": 1, "results": [{"a": 2}]}))
    assert deqar.records(listed) == [{"a": 1}]
    assert deqar.records(paged) == [{"a": 2}]
