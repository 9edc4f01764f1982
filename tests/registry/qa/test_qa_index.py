"""The past-dates index (qa/index.py): the database path's answers, for any date,
kept current from the same change notifications as the qa-status cache."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from registry.registry_support import Registry, report

from meriter_registry.qa import service
from meriter_registry.qa.index import QaIndex
from support.waiting import eventually

SUBMIT = "/submissionapi/v2/submit/report"


def index_of(registry: Registry) -> QaIndex:
    index: QaIndex = registry.app.state.registry.qa_index
    return index


async def a_register(registry: Registry) -> list[str]:
    """Institutions with every kind of report the rule tells apart."""
    aaa = await registry.agency("AAA", registered_from="2015-01-01")
    late = await registry.agency("LATE", registered_from="2022-01-01")
    deqar_ids = [f"DEQARINST000{i}" for i in range(1, 5)]
    for d in deqar_ids:
        await registry.institution(d)
    _, headers = await registry.submitted_report(aaa, "AAA", "a1", *deqar_ids[:2])
    await registry.submitted_report(
        aaa, "AAA", "a2", "DEQARINST0001", valid_from="2017-05-01", valid_to=None
    )
    await registry.submitted_report(aaa, "AAA", "neg", "DEQARINST0002", decision="negative")
    await registry.submitted_report(aaa, "AAA", "vol", "DEQARINST0003", status="voluntary")
    await registry.submitted_report(late, "LATE", "l1", "DEQARINST0003", valid_from="2019-01-01")
    gone = await registry.http.delete(
        "/submissionapi/v2/delete/report/a1?withdrawn_on=2023-03-01", headers=headers
    )
    assert gone.status_code == 200, gone.text
    flagged, _ = await registry.submitted_report(aaa, "AAA", "fl", "DEQARINST0004")
    r = await registry.http.post(
        f"/v1/reports/{flagged}/flags",
        json={"level": "high", "reason": "under review"},
        headers=registry.admin,
    )
    assert r.status_code == 201, r.text
    return deqar_ids


async def test_the_index_answers_as_the_database_does_for_every_date(registry: Registry) -> None:
    deqar_ids = await a_register(registry)
    index = index_of(registry)
    assert await index.wait_ready()
    now = datetime.now(UTC)
    days = [date(2014, 12, 31) + timedelta(days=n) for n in range(0, 4500, 97)]
    async with registry.pool.acquire() as conn:
        for key in deqar_ids:
            for day in days:
                expected = await service.qa_status(conn, key, day, now)
                found = index.answer(key, day, now)
                assert found is not None
                assert found.model_dump() == expected.model_dump(), (key, day)
                # The hot path's bytes are the route's serialization, byte for byte.
                assert index.answer_json(key, day, now) == found.model_dump_json().encode()
    assert index.answer("DEQARINST9999", days[0], now) is None  # the database says 404
    # Over HTTP, a past date is answered from the index, as the database would.
    served = await registry.http.get(f"/v1/institutions/{deqar_ids[0]}/qa-status?on=2023-06-01")
    async with registry.pool.acquire() as conn:
        expected = await service.qa_status(conn, deqar_ids[0], date(2023, 6, 1), now)
    assert {**served.json(), "as_of": None} == {**expected.model_dump(mode="json"), "as_of": None}
    r = await registry.http.get("/v1/institutions/DEQARINST9999/qa-status?on=2020-01-01")
    assert r.status_code == 404


async def test_a_change_drops_the_index_at_once_and_it_is_rebuilt_with_it(
    registry: Registry,
) -> None:
    aaa = await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    index = index_of(registry)
    assert await index.wait_ready()
    day = date(2021, 6, 1)
    answer = index.answer("DEQARINST0001", day, datetime.now(UTC))
    assert answer is not None
    assert answer.quality_assured is False
    headers = await registry.token_for("agency", aaa)
    r = await registry.http.post(SUBMIT, json=report("AAA", "r1", "DEQARINST0001"), headers=headers)
    assert r.status_code == 200, r.text
    # Read your writes: the writer's own process forgot before answering.
    assert index.answer("DEQARINST0001", day, datetime.now(UTC)) is None
    qa = await registry.http.get("/v1/institutions/DEQARINST0001/qa-status?on=2021-06-01")
    assert qa.json()["quality_assured"] is True
    assert await index.wait_ready()
    rebuilt = index.answer("DEQARINST0001", day, datetime.now(UTC))
    assert rebuilt is not None
    assert rebuilt.quality_assured is True


async def test_without_the_listener_the_index_is_bypassed(registry: Registry) -> None:
    await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    index = index_of(registry)
    assert await index.wait_ready()
    async with registry.pool.acquire() as conn:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE query LIKE 'LISTEN%' AND datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )

    async def bypassed() -> bool:
        return index.answer("DEQARINST0001", date(2021, 6, 1), datetime.now(UTC)) is None

    await eventually(bypassed, lambda off: off, timeout_s=5)
    # It listens again, rebuilds, and answers again.
    assert await index.wait_ready(within_s=15)
