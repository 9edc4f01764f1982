"""Notifier fixtures: a migrated database (rules and sender tiers) and a real SMTP sink."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from notifier.notifier_support import Sink

from meriter_shared.db.migrations import migrate
from meriter_shared.db.pool import create_pool
from meriter_shared.db.types import Pool
from meriter_shared.settings import PostgresSettings


@pytest.fixture
async def db(fresh_db: str) -> AsyncIterator[Pool]:
    pool = await create_pool(PostgresSettings(dsn=fresh_db, pool_max=20))
    try:
        await migrate(pool, "meriter_notifier")
        yield pool
    finally:
        await pool.close()


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[Sink]:
    s = Sink(tmp_path / "mail").start()
    yield s
    s.stop()
