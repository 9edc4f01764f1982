"""The issuer's own tests on a real Postgres: a fresh database with its migrations
(and, for the rules tier, the issuer's parts on one of its connections)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from issuer.rules_support import Issuer
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


@pytest.fixture
async def issuer(pool: Pool) -> AsyncIterator[Issuer]:
    """The issuer's rules on one connection of a fresh database, with a clock of its own."""
    async with pool.acquire() as conn:
        yield Issuer(conn)
