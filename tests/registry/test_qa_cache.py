"""The present qa-status answer is cached per process and never outlives a change."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from registry.registry_support import Registry, report

from meriter_registry.app import create_app
from meriter_registry.qa_cache import QaStatusCache
from meriter_registry.schemas import QaStatus
from meriter_shared.settings import PostgresSettings
from support.waiting import eventually

QA_TODAY = "/v1/institutions/DEQARINST0001/qa-status"
CURRENT = {"valid_from": "2025-01-01", "valid_to": None}


def cache_of(registry: Registry) -> QaStatusCache:
    cache: QaStatusCache = registry.app.state.qa_cache
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
    settings = registry.app.state.registry_settings.model_copy(
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
    cache.put("DEQARINST0001", date(2031, 1, 1), generation, QaStatus.model_validate(answer))
    assert cache.get("DEQARINST0001", date(2031, 1, 1)) is None


async def test_without_its_listener_the_cache_is_bypassed_and_answers_stay_right(
    registry: Registry,
) -> None:
    agency = await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    cache = cache_of(registry)
    assert await assured_today(registry.http) is False
    async with registry.pool.acquire() as conn:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"
        )
    await eventually(lambda: _inactive(cache), lambda off: off, timeout_s=5)
    await submit(registry, agency, "r1")
    assert await assured_today(registry.http) is True
    assert cache.get("DEQARINST0001", datetime.now(UTC).date()) is None


async def _inactive(cache: QaStatusCache) -> bool:
    return not cache.active
