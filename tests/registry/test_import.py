"""``meriter registry import`` and ``bootstrap-admin``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from registry.registry_support import Registry, report

from meriter_registry import deqar
from meriter_registry.cli import bootstrap_admin, run_import
from meriter_registry.config import Settings
from meriter_shared.settings import PostgresSettings

SWEDEN = {
    "id": 60,
    "url": "https://backend.deqar.eu/webapi/v2/browse/countries/60/",
    "name_english": "Sweden",
    "iso_3166_alpha2": "SE",
    "iso_3166_alpha3": "SWE",
}
# Agencies as DEQAR's web API v2 serves them: the list view (acronym_primary,
# name_primary, nested country, activities) and the detail view (names[] with
# name_versions, one of them ended).
AGENCIES: list[dict[str, Any]] = [
    {
        "id": 5,
        "url": "https://backend.deqar.eu/webapi/v2/browse/agencies/5/",
        "deqar_id": 12,
        "name_primary": "Swedish Higher Education Authority",
        "acronym_primary": "UKA",
        "logo": None,
        "country": SWEDEN,
        "activities": [
            {
                "id": 21,
                "activity": "institutional review",
                "activity_description": "",
                "activity_type": "institutional",
                "reports_link": None,
                "activity_valid_to": None,
            },
            {
                "id": 22,
                "activity": "programme evaluation",
                "activity_description": "",
                "activity_type": "programme",
                "reports_link": None,
                "activity_valid_to": None,
            },
        ],
        "registration_start": "2010-01-01",
        "registration_valid_to": "2030-05-31",
        "registration_note": "",
        "institution_count": 1,
        "report_count": 2,
    },
    {
        "id": 33,
        "deqar_id": 33,
        "names": [
            {
                "id": 2,
                "name_versions": [
                    {
                        "name": "Agency for Accreditation and Quality Assurance",
                        "name_transliterated": "",
                        "name_is_primary": True,
                        "acronym": "AAQ",
                        "acronym_transliterated": "",
                        "acronym_is_primary": True,
                    }
                ],
                "name_note": "",
                "name_valid_to": None,
            },
            {
                "id": 1,
                "name_versions": [
                    {
                        "name": "Organ fur Akkreditierung",
                        "name_is_primary": True,
                        "acronym": "OAQ",
                        "acronym_is_primary": True,
                    }
                ],
                "name_note": "",
                "name_valid_to": "2015-01-01",
            },
        ],
        "contact_person": "",
        "is_registered": True,
        "registration_start": "2011-11-01",
        "registration_valid_to": None,
        "country": {**SWEDEN, "iso_3166_alpha2": "CH", "name_english": "Switzerland"},
        "website_link": "www.aaq.ch",
        "activities": [],
    },
]
# Institutions as the web API v2 detail view serves them: several names over
# time, several countries and identifiers with their validity, levels as
# objects (one ended); then the list view (country as a name: not mappable)
# and a record with no name.
INSTITUTIONS: list[dict[str, Any]] = [
    {
        "id": 100,
        "eter_id": "SE0001",
        "identifiers": [
            {
                "identifier": "uu.se",
                "agency": None,
                "resource": "SCHAC",
                "identifier_valid_from": "2010-01-01",
                "identifier_valid_to": None,
            },
            {
                "identifier": "S UPPSALA01",
                "agency": None,
                "resource": "Erasmus",
                "identifier_valid_from": "2007-01-01",
                "identifier_valid_to": "2021-12-31",
            },
            {
                "identifier": "UU-7",
                "agency": "UKA",
                "resource": "local identifier",
                "identifier_valid_from": None,
                "identifier_valid_to": None,
            },
        ],
        "website_link": "www.uu.se",
        "names": [
            {
                "name_official": "Kungliga Universitetet i Upsala",
                "name_official_transliterated": "",
                "name_english": "",
                "name_versions": [],
                "acronym": "",
                "name_source_note": "",
                "name_valid_to": "1999-12-31",
            },
            {
                "name_official": "Uppsala universitet",
                "name_official_transliterated": "",
                "name_english": "Uppsala University",
                "name_versions": [{"name": "UU", "transliteration": ""}],
                "acronym": "UU",
                "name_source_note": "",
                "name_valid_to": None,
            },
        ],
        "countries": [
            {
                "country": {**SWEDEN, "iso_3166_alpha2": "FI", "name_english": "Finland"},
                "city": "Turku",
                "lat": None,
                "long": None,
                "country_source": "",
                "country_valid_from": "1990-01-01",
                "country_valid_to": "1995-12-31",
                "country_verified": False,
            },
            {
                "country": SWEDEN,
                "city": "Uppsala",
                "lat": 59.86,
                "long": 17.64,
                "country_source": "ETER",
                "country_valid_from": "1996-01-01",
                "country_valid_to": None,
                "country_verified": True,
            },
        ],
        "founding_date": "1477-01-01",
        "closure_date": None,
        "historical_relationships": [],
        "hierarchical_relationships": {"includes": [], "part_of": []},
        "qf_ehea_levels": [
            {
                "qf_ehea_level": level,
                "qf_ehea_level_source": "ETER",
                "qf_ehea_level_source_note": "",
                "qf_ehea_level_valid_from": None,
                "qf_ehea_level_valid_to": ended,
            }
            for level, ended in (
                ("short cycle", "2005-06-30"),
                ("first cycle", None),
                ("second cycle", None),
                ("third cycle", None),
            )
        ],
        "is_other_provider": False,
        "organization_type": None,
        "source_of_information": "ETER",
        "historical_data": [],
    },
    {
        "id": 382,
        "deqar_id": "DEQARINST0382",
        "eter_id": "DE0069",
        "name_primary": "Aachen University",
        "website_link": "http://www.rwth-aachen.de",
        "countries": [{"country": "Germany", "city": "Aachen", "lat": None, "long": None}],
    },
    {"id": 7, "names": [], "countries": [{"country": SWEDEN}]},
]


async def test_web_api_v2_records_load_as_deqar_serves_them(registry: Registry) -> None:
    counts, rejected = await run_import(
        "http://registry",
        registry.admin,
        AGENCIES,
        INSTITUTIONS,
        [],
        progress=False,
        transport=httpx.ASGITransport(app=registry.app),
    )
    assert counts == {"agency_created": 2, "institution_created": 1, "institution_rejected": 2}
    reasons = {r["index"]: r["problem"]["detail"] for r in rejected}
    assert [r["kind"] for r in rejected] == ["institution", "institution"]
    assert "Germany" in reasons[1]
    assert "name_official" in reasons[2]
    uu = (await registry.http.get("/v1/institutions/DEQARINST0100")).json()
    assert uu["name_official"] == "Uppsala universitet"
    assert uu["name_english"] == "Uppsala University"
    assert (uu["country"], uu["city"], uu["eter_id"]) == ("SE", "Uppsala", "SE0001")
    assert uu["website"] == "http://www.uu.se/"
    assert uu["qf_ehea_levels"] == [1, 2, 3]
    assert {(i["resource"], i["identifier"], i["valid_to"]) for i in uu["identifiers"]} == {
        ("SCHAC", "uu.se", None),
        ("Erasmus", "S UPPSALA01", "2021-12-31"),
        ("UKA local identifier", "UU-7", None),
    }
    agencies = {
        a["acronym"]: a for a in (await registry.http.get("/v1/agencies")).json()["results"]
    }
    assert agencies["UKA"]["deqar_id"] == "12"
    assert agencies["UKA"]["country"] == "SE"
    assert agencies["UKA"]["eqar_registrations"] == [
        {"registered_from": "2010-01-01", "registered_to": "2030-05-31"}
    ]
    assert [(a["deqar_id"], a["activity_type"]) for a in agencies["UKA"]["activities"]] == [
        ("21", "institutional"),
        ("22", "programme"),
    ]
    assert agencies["AAQ"]["name"] == "Agency for Accreditation and Quality Assurance"
    assert agencies["AAQ"]["country"] == "CH"


def test_a_file_that_is_no_list_of_records_is_refused_with_its_reason(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('"text"')
    with pytest.raises(deqar.RecordError):
        deqar.records(bad)


async def test_import_is_idempotent_and_reports_each_rejection(registry: Registry) -> None:
    transport = httpx.ASGITransport(app=registry.app)
    reports = [report("UKA", "uka-1", "DEQARINST0100"), report("UKA", "uka-2", "DEQARINST0404")]

    async def once() -> tuple[dict[str, int], list[dict[str, object]]]:
        return await run_import(
            "http://registry",
            registry.admin,
            AGENCIES,
            INSTITUTIONS,
            reports,
            progress=False,
            transport=transport,
        )

    counts, rejected = await once()
    assert counts == {
        "agency_created": 2,
        "institution_created": 1,
        "institution_rejected": 2,
        "report_created": 1,
        "report_rejected": 1,
    }
    assert [(r["kind"], r["index"]) for r in rejected] == [
        ("institution", 1),
        ("institution", 2),
        ("report", 1),
    ]
    again, _ = await once()
    assert again["agency_existing"] == 2
    assert again["institution_existing"] == 1
    assert again["report_updated"] == 1
    async with registry.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM report_versions") == 1


async def test_bootstrap_admin_writes_credentials_once(fresh_db: str, tmp_path: Path) -> None:
    settings = Settings(postgres=PostgresSettings(dsn=fresh_db))
    out = tmp_path / ".meriter" / "admin-client.json"
    assert await bootstrap_admin(settings, out) is True
    first = json.loads(out.read_text())
    assert await bootstrap_admin(settings, out) is False
    assert json.loads(out.read_text()) == first
    assert out.stat().st_mode & 0o077 == 0


async def test_a_history_import_answers_past_dates_from_deqars_own_dates(
    registry: Registry,
) -> None:
    """Reports migrated from DEQAR keep their validity and withdrawal dates: what was
    true on a past date needs no as_of instant from the minutes of the import."""
    transport = httpx.ASGITransport(app=registry.app)
    reports = [
        report("UKA", "uka-old", "DEQARINST0100", valid_from="2012-03-01", valid_to="2018-02-28"),
        {
            **report("12", "uka-gone", "DEQARINST0100", valid_to="2026-12-31"),
            "report_id": "4711",
            "withdrawn_on": "2022-06-01",
        },
    ]

    async def once() -> tuple[dict[str, int], list[dict[str, object]]]:
        return await run_import(
            "http://registry",
            registry.admin,
            AGENCIES,
            INSTITUTIONS[:1],
            reports,
            progress=False,
            transport=transport,
        )

    counts, rejected = await once()
    assert rejected == []
    assert (counts["report_created"], counts["report_withdrawn"]) == (2, 1)
    url = "/v1/institutions/DEQARINST0100/qa-status"
    answers = {
        on: (await registry.http.get(url, params={"on": on})).json()["quality_assured"]
        for on in ("2011-12-31", "2015-06-01", "2019-01-01", "2022-05-31", "2022-06-01")
    }
    assert answers == {
        "2011-12-31": False,  # before UKA's first report
        "2015-06-01": True,  # the old report, long expired now
        "2019-01-01": False,  # between the two reports
        "2022-05-31": True,  # the withdrawn report, the day before its withdrawal
        "2022-06-01": False,
    }
    again, rejected = await once()
    assert rejected == []
    assert again == {
        "agency_existing": 2,
        "institution_existing": 1,
        "report_updated": 1,
        "report_existing": 1,
    }
    async with registry.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM report_versions") == 2
