"""Offerings over HTTP against real Postgres and the session broker."""

from __future__ import annotations

from registry.registry_support import Registry, offering

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
            "SELECT count(*) FROM outbox WHERE event ->> 'type' LIKE 'offering.%'"
        )
    assert offering_events == 1
