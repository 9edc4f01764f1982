"""DEQAR Submission API parity over HTTP: every field DEQAR documents, DEQAR's
response shape, and what DEQAR rejects rejected as a problem naming the field.

Field set: docs.deqar.eu "Report Data Elements" (agency, contributing agencies,
report_id, local_identifier, activity / activity_local_identifier, status,
decision, summary, other_comment, valid_from / valid_to / date_format, files,
links, institutions, programmes with every programme element).
"""

from __future__ import annotations

from typing import Any

import pytest
from registry.registry_support import Registry

ITEM_KEYS = {"in", "pointer", "field", "message", "code"}
SUBMIT = "/submissionapi/v2/submit/report"


async def agencies(registry: Registry) -> tuple[str, str]:
    """UKA (DEQAR id 12, with its ESG activities) and AAQ (a contributing agency)."""
    r = await registry.http.post(
        "/v1/agencies",
        json={
            "acronym": "UKA",
            "name": "Swedish Higher Education Authority",
            "deqar_id": "12",
            "eqar_registrations": [{"registered_from": "2010-01-01"}],
            "activities": [
                {
                    "deqar_id": "21",
                    "activity": "institutional review",
                    "activity_type": "institutional",
                },
                {
                    "deqar_id": "22",
                    "activity": "programme evaluation",
                    "activity_type": "programme",
                    "local_identifier": "prog_eval",
                },
                {"deqar_id": "23", "activity": "joint degrees", "activity_type": "joint programme"},
                {
                    "deqar_id": "24",
                    "activity": "Utvärdering av utbildning",
                    "activity_type": "programme",
                },
            ],
        },
        headers=registry.admin,
    )
    assert r.status_code == 201, r.text
    return r.json()["id"], await registry.agency("AAQ")


def full_report(**changes: Any) -> dict[str, Any]:
    """A programme report with every field DEQAR's Submission API documents."""
    body: dict[str, Any] = {
        "agency": 12,
        "contributing_agencies": ["AAQ"],
        "report_id": "000786",
        "local_identifier": "UKA-2021-17",
        "activity": "22",
        "status": 1,
        "decision": "positive with conditions or restrictions",
        "summary": "The programme meets the standards.",
        "other_comment": "Evaluation undertaken in cooperation with AAQ.",
        "micro_credentials_covered": "yes",
        "valid_from": "15/01/2021",
        "valid_to": "14/01/2027",
        "date_format": "%d/%m/%Y",
        "report_links": [
            {"link": "https://www.uka.se/r/17", "link_display_name": "report on UKA's website"}
        ],
        "report_files": [
            {
                "original_location": "https://www.uka.se/r/17.pdf",
                "display_name": "Evaluation report",
                "report_language": ["swe", "en"],
            }
        ],
        "institutions": [{"deqar_id": "DEQARINST0001"}],
        "programmes": [
            {
                "identifiers": [{"identifier": "61"}],
                "name_primary": "Data Literacy",
                "qualification_primary": "Certificate in Data Literacy",
                "alternative_names": [
                    {
                        "name_alternative": "Datakunskap",
                        "qualification_alternative": "Intyg i datakunskap",
                    }
                ],
                "countries": ["SE", "FIN"],
                "nqf_level": "level 6",
                "qf_ehea_level": "1",
                "degree_outcome": "no",
                "workload_ects": 5,
                "assessment_certification": 2,
                "learning_outcomes": [
                    "http://data.europa.eu/esco/skill/b1115b14-fa16-4c1e-be6c-91fd49a1808b"
                ],
                "learning_outcome_description": "Reads a chart critically.",
                "field_study": "0611",
            }
        ],
    }
    body.update(changes)
    return body


async def test_a_report_with_every_documented_field_is_answered_in_deqars_shape(
    registry: Registry,
) -> None:
    uka, _ = await agencies(registry)
    await registry.institution("DEQARINST0001", eter_id="SE0001")
    headers = await registry.token_for("agency", uka)
    r = await registry.http.post(SUBMIT, json=full_report(), headers=headers)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert (answer["submission_status"], answer["sanity_check_status"]) == ("success", "success")
    assert (answer["report_flag"], answer["report_warnings"]) == ("none", [])
    assert answer["institution_warnings"] == []
    submitted = answer["submitted_report"]
    assert submitted["id"] == answer["submitted_report_id"]
    assert (submitted["agency"], submitted["contributing_agencies"]) == ("UKA", ["AAQ"])
    assert (submitted["report_id"], submitted["local_identifier"]) == ("000786", "UKA-2021-17")
    # Activity 22 is a programme evaluation in UKA's DEQAR list: nothing in "22" says so.
    assert (submitted["agency_esg_activity"], submitted["activity_type"]) == ("22", "programme")
    assert submitted["status"] == "part of obligatory EQA system"
    assert (submitted["valid_from"], submitted["valid_to"]) == ("2021-01-15", "2027-01-14")
    assert submitted["other_comment"] == "Evaluation undertaken in cooperation with AAQ."
    assert submitted["institutions"] == [
        {
            "id": submitted["institutions"][0]["id"],
            "deqar_id": "DEQARINST0001",
            "eter_id": "SE0001",
            "name_primary": "Univ DEQARINST0001",
        }
    ]
    assert submitted["programmes"] == [
        {"name_primary": "Data Literacy", "countries": ["SE", "FIN"]}
    ]
    assert submitted["files"][0]["report_language"] == ["swe", "en"]

    # An update names the report by DEQAR's report_id alone, as DEQAR's tooling does.
    update = full_report(decision="positive")
    del update["local_identifier"]
    again = await registry.http.post(SUBMIT, json=update, headers=headers)
    assert again.status_code == 200, again.text
    assert (again.json()["submitted_report_id"], again.json()["version"]) == (
        answer["submitted_report_id"],
        2,
    )
    assert again.json()["submitted_report"]["local_identifier"] == "UKA-2021-17"
    # ... and so does a withdrawal.
    gone = await registry.http.delete(
        "/submissionapi/v2/delete/report/000786?withdrawn_on=2024-01-01", headers=headers
    )
    assert gone.status_code == 200, gone.text
    assert gone.json()["withdrawn_on"] == "2024-01-01"


async def test_the_csv_twin_reads_the_templates_columns(registry: Registry) -> None:
    await agencies(registry)
    await registry.institution("DEQARINST0001")
    header = (
        "agency,contributing_agencies[1],report_id,local_identifier,activity_local_identifier,"
        "status,decision,summary,other_comment,valid_from,valid_to,date_format,link[1],"
        "link_display_name[1],file[1].original_location,file[1].display_name,"
        "file[1].report_language[1],institution[1].deqar_id,programme[1].identifier[1],"
        "programme[1].name_primary,programme[1].qualification_primary,"
        "programme[1].name_alternative[1],programme[1].qualification_alternative[1],"
        "programme[1].country[1],programme[1].nqf_level,programme[1].qf_ehea_level,"
        "programme[1].degree_outcome,programme[1].workload_ects,"
        "programme[1].assessment_certification,programme[1].learning_outcome_esco[1],"
        "programme[1].learning_outcome_description,programme[1].field_study\n"
    )
    row = (
        "UKA,AAQ,4711,UKA-CSV-1,prog_eval,1,1,Summary,Comment,2021-01-15,,%Y-%m-%d,"
        "https://www.uka.se/r/1,record,https://www.uka.se/r/1.pdf,Report,en,DEQARINST0001,61,"
        "Data Literacy,Certificate,Datakunskap,Intyg,SE,level 6,first cycle,2,5,1,"
        "http://data.europa.eu/esco/skill/b1115b14-fa16-4c1e-be6c-91fd49a1808b,Reads charts,"
        "0611\n"
    )
    r = await registry.http.post(
        "/submissionapi/v2/submit/csv",
        content=header + row,
        headers={**registry.admin, "Content-Type": "text/csv"},
    )
    assert r.status_code == 200, r.text
    assert [x["submission_status"] for x in r.json()] == ["success"]
    found = await registry.http.get("/v1/reports", params={"local_identifier": "UKA-CSV-1"})
    assert [x["activity_type"] for x in found.json()["results"]] == ["programme"]


def _programme(**changes: Any) -> dict[str, Any]:
    return {**full_report()["programmes"][0], **changes}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"programmes": []}, "programmes"),  # a programme activity without programmes
        ({"activity": "21"}, "programmes"),  # an institutional one with programmes
        ({"activity": "23"}, "institutions"),  # a joint programme of one institution
        ({"activity": "22", "activity_type": "institutional"}, "activity_type"),
        ({"activity": "course audit"}, "activity"),  # not on UKA's list, no type in its name
        ({"contributing_agencies": ["NOPE"]}, "contributing_agencies.0"),
        ({"programmes": [_programme(workload_ects=None)]}, "programmes.0"),
        ({"programmes": [_programme(qf_ehea_level="fourth cycle")]}, "programmes.0.qf_ehea_level"),
        ({"report_id": None, "local_identifier": None}, "local_identifier"),
        ({"report_id": "99999", "local_identifier": None}, "report_id"),
    ],
)
async def test_what_deqar_rejects_is_a_problem_naming_the_field(
    registry: Registry, changes: dict[str, Any], field: str
) -> None:
    uka, _ = await agencies(registry)
    await registry.institution("DEQARINST0001")
    headers = await registry.token_for("agency", uka)
    body = {k: v for k, v in full_report(**changes).items() if v is not None}
    r = await registry.http.post(SUBMIT, json=body, headers=headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    items = r.json()["errors"]
    assert all(set(item) == ITEM_KEYS for item in items), items
    assert field in [item["field"] for item in items], items


async def test_report_id_and_local_identifier_naming_different_reports_is_refused(
    registry: Registry,
) -> None:
    uka, _ = await agencies(registry)
    await registry.institution("DEQARINST0001")
    headers = await registry.token_for("agency", uka)
    first = await registry.http.post(SUBMIT, json=full_report(), headers=headers)
    assert first.status_code == 200, first.text
    other = full_report(report_id=None, local_identifier="UKA-OTHER")
    assert (await registry.http.post(SUBMIT, json=other, headers=headers)).status_code == 200
    clash = full_report(local_identifier="UKA-OTHER")  # report_id 000786 is UKA-2021-17
    r = await registry.http.post(SUBMIT, json=clash, headers=headers)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["report_id"]


async def test_a_report_only_on_other_providers_must_be_voluntary(registry: Registry) -> None:
    uka, _ = await agencies(registry)
    await registry.institution("DEQARINST0009", is_other_provider=True)
    headers = await registry.token_for("agency", uka)
    body = full_report(institutions=[{"deqar_id": "DEQARINST0009"}])
    r = await registry.http.post(SUBMIT, json=body, headers=headers)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["status"]
    voluntary = await registry.http.post(SUBMIT, json={**body, "status": 2}, headers=headers)
    assert voluntary.status_code == 200, voluntary.text


async def test_deqar_v2_tooling_calls_work_unchanged(registry: Registry) -> None:
    """PUT updates (and refuses a report that does not exist), check/local-identifier
    answers in DEQAR's shape, and delete takes DEQAR's URL with its trailing slash."""
    uka, _ = await agencies(registry)
    await registry.institution("DEQARINST0001")
    headers = await registry.token_for("agency", uka)
    missing = await registry.http.put(SUBMIT, json=full_report(), headers=headers)
    assert missing.status_code == 422, missing.text
    assert [e["field"] for e in missing.json()["errors"]] == ["report_id"]
    created = await registry.http.post(SUBMIT, json=full_report(), headers=headers)
    assert created.status_code == 200, created.text
    updated = await registry.http.put(
        SUBMIT, json=full_report(decision="positive"), headers=headers
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["version"] == 2
    check = await registry.http.get(
        "/submissionapi/v2/check/local-identifier",
        params={"agency": "12", "local_identifier": "UKA-2021-17"},
        headers=headers,
    )
    assert check.status_code == 200, check.text
    assert (check.json()["decision"], check.json()["report_id"]) == ("positive", "000786")
    assert check.json()["institutions"][0]["deqar_id"] == "DEQARINST0001"
    unknown = await registry.http.get(
        "/submissionapi/v2/check/local-identifier",
        params={"agency": "UKA", "local_identifier": "nope"},
        headers=headers,
    )
    assert unknown.status_code == 404
    gone = await registry.http.delete("/submissionapi/v2/delete/report/000786/", headers=headers)
    assert gone.status_code == 200, gone.text


async def test_an_activity_is_found_by_its_name_in_any_case_beyond_ascii(
    registry: Registry,
) -> None:
    uka, _ = await agencies(registry)
    await registry.institution("DEQARINST0001")
    headers = await registry.token_for("agency", uka)
    body = full_report(activity="UTVÄRDERING AV UTBILDNING", report_id=None)
    r = await registry.http.post(SUBMIT, json=body, headers=headers)
    assert r.status_code == 200, r.text
    submitted = r.json()["submitted_report"]
    assert submitted["activity_type"] == "programme"  # the type of UKA's activity 24
