"""Kernel test helpers: a migrated database pool and a producer."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaProducer

from meriter_shared.db.migrations import migrate
from meriter_shared.db.pool import create_pool
from meriter_shared.db.types import Pool
from meriter_shared.messaging.kafka import create_producer
from meriter_shared.settings import PostgresSettings


@pytest.fixture
async def pool(fresh_db: str) -> AsyncIterator[Pool]:
    p = await create_pool(PostgresSettings(dsn=fresh_db))
    await migrate(p)
    await p.execute(
        "CREATE TABLE effects (event_id text NOT NULL, body jsonb NOT NULL, "
        "at timestamptz DEFAULT clock_timestamp())"
    )
    yield p
    await p.close()


@pytest.fixture
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    from support.kafka import kafka_settings

    p = create_producer(kafka_settings(kafka_bootstrap))
    await p.start()
    yield p
    await p.stop()


@pytest.fixture
def topic() -> str:
    return f"test.{uuid.uuid4().hex[:10]}.events"
