"""Postgres through asyncpg: pool, migrations, transactional outbox, inbox."""

from meriter_shared.db.migrations import migrate
from meriter_shared.db.pool import create_pool

__all__ = ["create_pool", "migrate"]
