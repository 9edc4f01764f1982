"""The present qa-status answer is cached per process and never outlives a change."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from registry.registry_support import Registry, report

from meriter_registry.app import create_app
from meriter_registry.qa.cache import QaStatusCache
from meriter_registry.qa.schemas import QaStatus
from meriter_shared.settings import PostgresSettings
from support.waiting import eventually

QA_TODAY = "/v1/institutions/DEQARINST0001/qa-status"
CURRENT = {"valid_from": "2025-01-01", "valid_to": None}


def cache_of(registry: Registry) -> QaStatusCache:
    cache: QaStatusCache = registry.app.state.registry.qa_cache
    return cache


async def assured_today(http: httpx.AsyncClient) -> bool:
    r = await http.get(QA_TODAY)
    assert r.status_code == 200, r.text
    return bool(r.json()["quality_assured"])


async def submit(registry: Registry, agency_id: str, local_id: str) -> str:
    headers = await registry.token_for("agency", agency_id)
    r = await registry.http.post(
        "/submissionapi/v2/submit/report",
        json=report("AAA", local_id, "DEQARINST0001", **CURRENT),
        headers=headers,
    )
    assert r.status_code == 200, r.text
    return str(r.json()["submitted_report_id"])


async def test_repeated_lookups_are_served_from_the_cache(registry: Registry) -> None:
    agency = await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    await submit(registry, agency, "r1")
    cache = cache_of(registry)

    async def two_lookups() -> tuple[int, dict[str, Any], dict[str, Any]]:
        # The submission's own notification may still be in flight and drop
        # the first answer; once it has arrived the second lookup must hit.
        first = (await registry.http.get(QA_TODAY)).json()
        hits = cache.hits
        second = (await registry.http.get(QA_TODAY)).json()
        return cache.hits - hits, first, second

    _, first, second = await eventually(two_lookups, lambda r: r[0] == 1, timeout_s=5)
    assert first["quality_assured"] is second["quality_assured"] is True
    assert first["reports"] == second["reports"]
    assert second["as_of"] >= first["as_of"]  # the answer is about now, each time


async def test_a_change_made_here_is_read_back_at_once(registry: Registry) -> None:
    agency = await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    assert await assured_today(registry.http) is False
    assert await assured_today(registry.http) is False  # now cached
    report_id = await submit(registry, agency, "r1")
    assert await assured_today(registry.http) is True
    headers = await registry.token_for("agency", agency)
    r = await registry.http.delete(f"/submissionapi/v2/delete/report/{report_id}", headers=headers)
    assert r.status_code == 200, r.text
    assert await assured_today(registry.http) is False


@pytest.fixture
async def second_process(registry: Registry, fresh_db: str) -> AsyncIterator[httpx.AsyncClient]:
    """Another registry process on the same database (its own cache and listener)."""
    settings = registry.app.state.registry.settings.model_copy(
        update={"postgres": PostgresSettings(dsn=fresh_db)}
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registry-2") as http:
            yield http


async def test_a_change_made_by_another_process_reaches_this_cache(
    registry: Registry, second_process: httpx.AsyncClient
) -> None:
    agency = await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    assert await assured_today(second_process) is False
    assert await assured_today(second_process) is False  # cached over there
    await submit(registry, agency, "r1")
    assert await eventually(lambda: assured_today(second_process), lambda ok: ok, timeout_s=5)


async def test_an_answer_computed_across_a_change_is_not_stored(registry: Registry) -> None:
    await registry.institution("DEQARINST0001")
    cache = cache_of(registry)
    answer = (await registry.http.get(QA_TODAY, params={"on": "2030-01-01"})).json()
    generation = cache.generation
    cache.invalidate()  # a change committed while the answer was computed
    today = date(2030, 1, 1)
    cache.put("DEQARINST0001", today, generation, QaStatus.model_validate(answer), today)
    assert cache.get("DEQARINST0001", today, datetime.now(UTC)) is None


async def test_without_its_listener_the_cache_is_bypassed_until_it_listens_again(
    registry: Registry,
) -> None:
    agency = await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    cache = cache_of(registry)
    assert await assured_today(registry.http) is False
    async with registry.pool.acquire() as conn:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE query LIKE 'LISTEN%' AND datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
    await eventually(lambda: _inactive(cache), lambda off: off, timeout_s=5)
    await submit(registry, agency, "r1")
    assert await assured_today(registry.http) is True
    # It listens again on a new connection, and only then caches again.
    await eventually(lambda: _inactive(cache), lambda off: not off, timeout_s=10)
    await submit(registry, agency, "r2")  # heard by the new listener

    async def second_lookup_hits() -> bool:
        assert await assured_today(registry.http) is True
        hits = cache.hits
        assert await assured_today(registry.http) is True
        return cache.hits == hits + 1

    await eventually(second_lookup_hits, lambda hit: hit, timeout_s=5)


async def _inactive(cache: QaStatusCache) -> bool:
    return not cache.active


async def test_a_cached_answer_is_served_as_the_route_serves_it(registry: Registry) -> None:
    agency = await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    await submit(registry, agency, "r1")
    params = {"on": datetime.now(UTC).date().isoformat()}

    async def route_then_hit() -> tuple[httpx.Response, httpx.Response, int, float]:
        cache = cache_of(registry)
        cache.invalidate()  # the first lookup is answered by the route
        counted = served_from_cache()
        by_route = await registry.http.get(QA_TODAY, params=params)
        hits = cache.hits
        cached = await registry.http.get(QA_TODAY, params=params)
        return by_route, cached, cache.hits - hits, served_from_cache() - counted

    # (a late notification of the submission may empty the cache in between: retry)
    by_route, cached, _, _ = await eventually(route_then_hit, lambda r: r[2:] == (1, 2.0))
    assert cached.status_code == by_route.status_code == 200
    assert cached.headers["content-type"] == by_route.headers["content-type"]
    first, second = by_route.json(), cached.json()
    assert second.pop("as_of") >= first.pop("as_of")
    assert second == first


def served_from_cache() -> float:
    """Requests counted under the route's template (hits are labelled like misses)."""
    from meriter_shared.observability.metrics import HTTP_REQUESTS

    sample = HTTP_REQUESTS.labels(
        "registry", "GET", "/v1/institutions/{institution_id}/qa-status", "200"
    )
    return float(sample._value.get())


async def test_what_the_cache_cannot_answer_goes_to_the_route(registry: Registry) -> None:
    await registry.institution("DEQARINST0001")
    bad = await registry.http.get(QA_TODAY, params={"on": "2026-02-30"})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    missing = await registry.http.get("/v1/institutions/DEQARINST9999/qa-status")
    assert missing.status_code == 404


def an_answer(institution_id: str, on: date, reports: int = 0) -> QaStatus:
    report = {
        "id": "r",
        "agency_id": "a",
        "local_identifier": "l",
        "version": 1,
        "activity_type": "institutional",
        "status": "voluntary",
        "decision": "positive",
        "valid_from": "2020-01-01",
        "valid_to": None,
        "valid_until": "2026-01-01",
        "institution_ids": [institution_id],
        "recorded_at": "2026-01-01T00:00:00Z",
    }
    return QaStatus.model_validate(
        {
            "institution_id": institution_id,
            "on": on,
            "as_of": datetime.now(UTC),
            "quality_assured": bool(reports),
            "reports": [report] * reports,
        }
    )


async def test_thousands_of_answers_leave_the_cache_within_its_byte_bound(
    registry: Registry,
) -> None:
    cache = cache_of(registry)
    cache.max_bytes = 64 * 1024
    today = datetime.now(UTC).date()
    for n in range(5000):
        answer = an_answer(f"inst-{n}", today, reports=n % 4)
        cache.put(f"DEQARINST{n:05d}", today, cache.generation, answer, today)
        assert cache.size_bytes <= cache.max_bytes
    assert 0 < len(cache) < 5000
    # The newest answers are there, by either key; the oldest were let go.
    assert cache.get("DEQARINST04999", today, datetime.now(UTC)) is not None
    assert cache.get("inst-4999", today, datetime.now(UTC)) is not None
    assert cache.get("inst-0", today, datetime.now(UTC)) is None


async def test_answers_about_days_far_from_today_are_not_kept(registry: Registry) -> None:
    await registry.institution("DEQARINST0001")
    cache = cache_of(registry)
    start = date(2000, 1, 1)
    for n in range(0, 3000, 3):
        asked = (start + timedelta(days=n)).isoformat()
        r = await registry.http.get(QA_TODAY, params={"on": asked})
        assert r.status_code == 200, r.text
    assert (len(cache), cache.size_bytes) == (0, 0)
    today = datetime.now(UTC).date()
    for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
        await registry.http.get(QA_TODAY, params={"on": day.isoformat()})
    assert len(cache) in (0, 4)  # three answers and the DEQAR id's alias (or a late notify)


async def test_an_answer_is_kept_once_under_the_platform_id_whichever_key_asked(
    registry: Registry,
) -> None:
    iid = await registry.institution("DEQARINST0001")
    cache = cache_of(registry)

    async def by_deqar_then_by_id() -> tuple[int, int]:
        cache.invalidate()
        await registry.http.get(QA_TODAY)
        hits = cache.hits
        r = await registry.http.get(f"/v1/institutions/{iid}/qa-status")
        assert r.json()["institution_id"] == iid
        return cache.hits - hits, len(cache)

    # (a late notification of the registration may empty the cache in between: retry)
    assert await eventually(by_deqar_then_by_id, lambda r: r[0] == 1) == (1, 2)
