"""Every value a request carries is one the database can hold, or a 422 naming it.

A number outside its column's range, a date whose six-year default would run
past year 9999, an instant with an offset no place uses, a text longer than
its bound: each is refused before anything is written, with a problem whose
errors point at the field — never a 500.
"""

from __future__ import annotations

from typing import Any

from registry.registry_support import Registry, offering, report

LONG = "x" * 5_001


def agency(**extra: Any) -> dict[str, Any]:
    return {"acronym": "NEW", "name": "New agency", **extra}


def institution(**extra: Any) -> dict[str, Any]:
    return {"name_official": "New", "country": "SE", **extra}


# (url, body, the pointer the problem names, why)
WRITES: list[tuple[str, Any, str, str]] = [
    ("/v1/institutions", institution(qf_ehea_levels=[40_000]), "/qf_ehea_levels/0", "smallint"),
    ("/v1/institutions", institution(qf_ehea_levels=[4]), "/qf_ehea_levels/0", "level 0..3"),
    (
        "/v1/institutions",
        institution(
            identifiers=[{"resource": "SCHAC", "identifier": "x", "valid_from": "0001-01-01"}]
        ),
        "/identifiers/0/valid_from",
        "early date",
    ),
    (
        "/v1/institutions",
        institution(
            identifiers=[
                {"resource": "SCHAC", "identifier": "x"},
                {"resource": "SCHAC", "identifier": "x"},
            ]
        ),
        "/identifiers",
        "identifier twice",
    ),
    ("/v1/institutions", institution(city=LONG), "/city", "long text"),
    (
        "/v1/agencies",
        agency(eqar_registrations=[{"registered_from": "9999-12-31"}]),
        "/eqar_registrations/0/registered_from",
        "late date",
    ),
    (
        "/v1/agencies",
        agency(
            eqar_registrations=[{"registered_from": "2020-01-01", "registered_to": "2019-01-01"}]
        ),
        "/eqar_registrations/0",
        "period backwards",
    ),
    ("/v1/agencies", agency(deqar_id="x" * 51), "/deqar_id", "long id"),
    (
        "/submissionapi/v2/submit/report",
        report("AAA", "r1", "DEQARINST0001", valid_from="9999-01-01", valid_to=None),
        "/valid_from",
        "six-year default past 9999",
    ),
    (
        "/submissionapi/v2/submit/report",
        report("AAA", "r1", "DEQARINST0001", date_format="%Y%Y", valid_from="20202020"),
        "/date_format",
        "directive twice (a regular-expression error in strptime)",
    ),
    (
        "/submissionapi/v2/submit/report",
        report("AAA", "r1", "DEQARINST0001", date_format="%Y %z", valid_from="2020 +2359"),
        "/date_format",
        "an offset is not part of a day",
    ),
    (
        "/submissionapi/v2/submit/report",
        report("AAA", "r1", "DEQARINST0001", summary="x" * 20_001),
        "/summary",
        "long summary",
    ),
    (
        "/submissionapi/v2/submit/report",
        report("AAA", "r1", *[f"DEQARINST{n:04d}" for n in range(201)]),
        "/institutions",
        "too many institutions",
    ),
    ("/v1/institutions/{iid}/offerings", offering(title="x" * 501), "/title", "long title"),
    (
        "/v1/institutions/{iid}/offerings",
        offering(learning_outcomes=["x" * 1001]),
        "/learning_outcomes/0",
        "long outcome",
    ),
    (
        "/v1/institutions/{iid}/offerings",
        offering(learning_outcomes=["x"] * 31),
        "/learning_outcomes",
        "too many outcomes",
    ),
    ("/v1/institutions/{iid}/offerings", offering(prerequisites=LONG), "/prerequisites", "long"),
    ("/v1/clients", {"name": "x", "role": "agency", "tenant_id": "x" * 201}, "/tenant_id", "long"),
]


async def test_a_body_value_the_database_cannot_hold_is_a_422_naming_it(
    registry: Registry,
) -> None:
    await registry.agency("AAA")
    iid = await registry.institution("DEQARINST0001")
    for url, body, pointer, why in WRITES:
        r = await registry.http.post(url.format(iid=iid), json=body, headers=registry.admin)
        assert r.status_code == 422, f"{why}: {r.text}"
        assert r.headers["content-type"].startswith("application/problem+json")
        assert pointer in [e["pointer"] for e in r.json()["errors"]], f"{why}: {r.text}"
    assert len((await registry.http.get("/v1/agencies")).json()["results"]) == 1


QUERIES = [
    ("/v1/institutions/DEQARINST0001/qa-status?as_of=2026-01-01T00:00:00%2B23:59", "as_of"),
    ("/v1/institutions/DEQARINST0001/qa-status?as_of=2026-01-01T00:00:00", "as_of"),
    ("/v1/institutions/DEQARINST0001/qa-status?as_of=9999-12-31T23:00:00-05:00", "as_of"),
    ("/v1/institutions/DEQARINST0001/qa-status?on=9999-12-31", "on"),
    ("/v1/institutions/DEQARINST0001/qa-status?on=0001-01-01", "on"),
    ("/v1/reports?valid_on=9999-12-31", "valid_on"),
    ("/v1/reports?limit=0", "limit"),
    ("/v1/reports?limit=2147483648", "limit"),
    ("/v1/reports?cursor=" + "x" * 201, "cursor"),
    ("/v1/institutions?limit=100000", "limit"),
    ("/v1/institutions?country=Sweden", "country"),
    ("/v1/institutions?cursor=" + "x" * 201, "cursor"),
    ("/v1/offerings?eqf_level=99999999999", "eqf_level"),
    ("/v1/offerings?cursor=" + "x" * 201, "cursor"),
]


async def test_a_query_value_out_of_range_is_a_422_naming_the_parameter(
    registry: Registry,
) -> None:
    await registry.institution("DEQARINST0001")
    for url, field in QUERIES:
        r = await registry.http.get(url)
        assert r.status_code == 422, f"{url}: {r.text}"
        assert [(e["in"], e["field"]) for e in r.json()["errors"]] == [("query", field)], url


async def test_an_instant_with_an_offset_becomes_the_same_instant_in_utc(
    registry: Registry,
) -> None:
    await registry.institution("DEQARINST0001")
    r = await registry.http.get(
        "/v1/institutions/DEQARINST0001/qa-status",
        params={"on": "2021-01-01", "as_of": "2026-01-01T10:00:00+14:00"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["as_of"] == "2025-12-31T20:00:00Z"
