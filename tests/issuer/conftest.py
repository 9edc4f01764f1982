"""The issuer's own tests on a real Postgres: a fresh database with its migrations."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from meriter_issuer.app import MIGRATIONS
from meriter_shared.db.migrations import migrate
from meriter_shared.db.pool import create_pool
from meriter_shared.db.types import Pool
from meriter_shared.settings import PostgresSettings


@pytest.fixture
async def pool(fresh_db: str) -> AsyncIterator[Pool]:
    p = await create_pool(PostgresSettings(dsn=SecretStr(fresh_db)))
    await migrate(p, *MIGRATIONS)
    yield p
    await p.close()
