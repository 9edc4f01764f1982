"""Registry fixtures for the two tiers of tests.

``registry`` (the HTTP tier) yields an httpx client bound to a running app
on a fresh database and the session broker (its lifespan runs: pool,
migrations, producer, outbox relay) plus helpers that mint tokens for
admin, agency and institution clients the way a real caller would.

``clocked_registry`` is the same on ``clock``, a :class:`OrderedClock` the
test moves, for tests that name instants between changes.

``db`` (the rules tier) yields a pool on a fresh database with the
registry's migrations applied, and nothing else: no app, no broker. Rules
are called directly with a connection, a principal and an instant.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from registry.registry_support import (
    OrderedClock,
    Registry,
    registry_settings,
    running_registry,
)

from meriter_shared.db.migrations import migrate
from meriter_shared.db.pool import create_pool
from meriter_shared.db.types import Connection, Pool
from meriter_shared.settings import PostgresSettings


@pytest.fixture
async def db(fresh_db: str) -> AsyncIterator[Pool]:
    pool = await create_pool(PostgresSettings(dsn=fresh_db))
    try:
        await migrate(pool, "meriter_registry")
        yield pool
    finally:
        await pool.close()


@pytest.fixture
async def conn(db: Pool) -> AsyncIterator[Connection]:
    """One connection of ``db``, as a route would hold it."""
    async with db.acquire() as connection:
        yield connection


@pytest.fixture
async def registry(fresh_db: str, kafka_bootstrap: str) -> AsyncIterator[Registry]:
    async with running_registry(registry_settings(fresh_db, kafka_bootstrap)) as reg:
        yield reg


@pytest.fixture
def clock() -> OrderedClock:
    return OrderedClock()


@pytest.fixture
async def clocked_registry(
    fresh_db: str, kafka_bootstrap: str, clock: OrderedClock
) -> AsyncIterator[Registry]:
    """``registry`` on ``clock`` (``create_app(clock=)``)."""
    settings = registry_settings(fresh_db, kafka_bootstrap)
    async with running_registry(settings, clock=clock) as reg:
        yield reg
