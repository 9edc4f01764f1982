"""Offerings over HTTP against real Postgres and the session broker."""

from __future__ import annotations

from typing import Any

from registry.registry_support import Registry, offering

from meriter_credentials.microcredential import AssessmentType, ParticipationForm, QfEheaCycle
from meriter_registry.offerings.schemas import OfferingIn
from meriter_shared.messaging.relay import parked_count
from support.kafka import read_all
from support.waiting import eventually


async def test_institution_cannot_touch_another_institutions_offerings(registry: Registry) -> None:
    await registry.institution("DEQARINST0001")
    other = await registry.institution("DEQARINST0002")
    headers = await registry.token_for("institution", other)
    r = await registry.http.post(
        "/v1/institutions/DEQARINST0001/offerings", json=offering(), headers=headers
    )
    assert r.status_code == 403


async def test_institution_publishes_and_updates_its_own_offering(registry: Registry) -> None:
    own = await registry.institution("DEQARINST0001")
    headers = await registry.token_for("institution", own)
    r = await registry.http.post(
        f"/v1/institutions/{own}/offerings", json=offering(), headers=headers
    )
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    r = await registry.http.put(
        f"/v1/institutions/{own}/offerings/{oid}", json=offering(ects=5), headers=headers
    )
    assert (r.status_code, r.json()["version"], r.json()["ects"]) == (200, 2, 5)
    found = (
        await registry.http.get("/v1/offerings", params={"eqf_level": 6, "title": "data"})
    ).json()
    assert [(o["id"], o["version"]) for o in found["results"]] == [(oid, 2)]


async def test_an_institutions_offerings_are_listed_under_it(registry: Registry) -> None:
    own = await registry.institution("DEQARINST0001")
    headers = await registry.token_for("institution", own)
    r = await registry.http.post(
        f"/v1/institutions/{own}/offerings", json=offering(), headers=headers
    )
    assert r.status_code == 201, r.text
    listed = (await registry.http.get("/v1/institutions/DEQARINST0001/offerings")).json()
    stored = OfferingIn.model_validate(offering()).model_dump(mode="json")
    assert listed == {"results": [{**stored, "id": r.json()["id"], "version": 1}]}


async def test_an_oversized_offering_is_refused_and_later_events_still_flow(
    registry: Registry, kafka_bootstrap: str
) -> None:
    own = await registry.institution("DEQARINST0001")
    headers = await registry.token_for("institution", own)
    url = f"/v1/institutions/{own}/offerings"
    huge = await registry.http.post(url, json=offering(title="x" * 5_000_000), headers=headers)
    assert huge.status_code == 413, huge.text[:500]
    assert huge.headers["content-type"].startswith("application/problem+json")
    within_body_limit = offering(learning_outcomes=["x" * 900_000])
    big = await registry.http.post(url, json=within_body_limit, headers=headers)
    assert big.status_code == 422, big.text[:500]
    assert [e["pointer"] for e in big.json()["errors"]] == ["/learning_outcomes/0"]
    r = await registry.http.post(url, json=offering(), headers=headers)
    assert r.status_code == 201, r.text
    oid = r.json()["id"]

    async def subjects() -> list[str]:
        records = await read_all(kafka_bootstrap, "registry.events")
        return [dict(rec.headers).get("ce_subject", b"").decode() for rec in records]

    await eventually(subjects, lambda found: oid in found)
    async with registry.pool.acquire() as conn:
        assert await parked_count(conn) == 0
        offering_events = await conn.fetchval(
            "SELECT count(*) FROM outbox_log WHERE event ->> 'type' LIKE 'offering.%'"
        )
    assert offering_events == 1


async def test_a_value_outside_an_annex_i_vocabulary_is_a_422_naming_it_and_the_values_allowed(
    registry: Registry,
) -> None:
    own = await registry.institution("DEQARINST0001")
    headers = await registry.token_for("institution", own)
    body = offering(assessment_type="written exam", participation_form="hybrid")
    r = await registry.http.post(f"/v1/institutions/{own}/offerings", json=body, headers=headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    faults = {e["pointer"]: e["message"] for e in r.json()["errors"]}
    assert set(faults) == {"/assessment_type", "/participation_form"}
    for value in AssessmentType:
        assert f"'{value.value}'" in faults["/assessment_type"]
    assert faults["/participation_form"] == "Input should be 'online', 'onsite' or 'blended'"
    listed = (await registry.http.get(f"/v1/institutions/{own}/offerings")).json()
    assert listed == {"results": []}


async def test_an_offering_the_engine_could_not_issue_is_a_422_naming_the_field(
    registry: Registry,
) -> None:
    own = await registry.institution("DEQARINST0001")
    headers = await registry.token_for("institution", own)
    url = f"/v1/institutions/{own}/offerings"
    r = await registry.http.post(url, json=offering(eqf_level=7), headers=headers)
    assert r.status_code == 422, r.text
    [fault] = r.json()["errors"]
    assert (fault["pointer"], fault["field"]) == ("/qf_ehea_cycle", "qf_ehea_cycle")
    assert "corresponds to EQF level 6, not 7" in fault["message"]
    assert "credential" in r.json()["detail"]


async def test_the_openapi_document_lists_each_annex_i_vocabulary_as_an_enum(
    registry: Registry,
) -> None:
    document = (await registry.http.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    properties = schemas["OfferingIn"]["properties"]

    def enum(prop: dict[str, Any]) -> list[str]:
        """The values of the enum ``prop`` refers to (alone, or beside null)."""
        [ref] = [c["$ref"] for c in prop.get("anyOf", [prop]) if "$ref" in c]
        values: list[str] = schemas[ref.rsplit("/", 1)[1]]["enum"]
        return values

    assert enum(properties["assessment_type"]) == [v.value for v in AssessmentType]
    assert enum(properties["participation_form"]) == [v.value for v in ParticipationForm]
    assert enum(properties["qf_ehea_cycle"]) == [v.value for v in QfEheaCycle]


async def test_an_offering_stored_before_the_rule_stays_readable_and_can_be_corrected(
    registry: Registry,
) -> None:
    own = await registry.institution("DEQARINST0001")
    headers = await registry.token_for("institution", own)
    old = {**offering(), "assessment_type": "written exam"}
    async with registry.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO offerings (id, institution_id, body, created_at, updated_at) "
            "VALUES ('stored-before', $1, $2, now(), now())",
            own,
            old,
        )
    searched = (await registry.http.get("/v1/offerings")).json()["results"]
    assert [(o["id"], o["assessment_type"]) for o in searched] == [
        ("stored-before", "written exam")
    ]
    listed = (await registry.http.get(f"/v1/institutions/{own}/offerings")).json()["results"]
    assert [o["assessment_type"] for o in listed] == ["written exam"]
    fixed = await registry.http.put(
        f"/v1/institutions/{own}/offerings/stored-before", json=offering(), headers=headers
    )
    assert fixed.status_code == 200, fixed.text
    assert (fixed.json()["version"], fixed.json()["assessment_type"]) == (2, "written-examination")
