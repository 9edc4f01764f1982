"""The asyncpg pool: JSON codecs installed on every connection (orjson where it
means what ``json`` means: ``meriter_shared.jsonio``)."""

from __future__ import annotations

import asyncpg

from meriter_shared.db.types import Connection, Pool
from meriter_shared.jsonio import dumps_text, loads
from meriter_shared.settings import PostgresSettings


async def _init(conn: Connection) -> None:
    for typ in ("json", "jsonb"):
        await conn.set_type_codec(
            typ, encoder=dumps_text, decoder=loads, schema="pg_catalog", format="text"
        )


async def create_pool(settings: PostgresSettings) -> Pool:
    pool = await asyncpg.create_pool(
        settings.dsn.get_secret_value(),
        min_size=settings.pool_min,
        max_size=settings.pool_max,
        command_timeout=settings.command_timeout_s,
        init=_init,
    )
    assert pool is not None
    return pool
