"""Session-wide real infrastructure; see ``support/infra.py``.

Postgres and the broker start lazily, the first time a test asks for them,
so the pure unit tests run without them.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from support.infra import Postgres, kafka_broker, postgres_server, session_workdir


@pytest.fixture(scope="session")
def workdir() -> Iterator[Path]:
    tmp = session_workdir()
    try:
        yield Path(tmp.name)
    finally:
        tmp.cleanup()


@pytest.fixture(scope="session")
def pg(workdir: Path) -> Iterator[Postgres]:
    with postgres_server(workdir) as server:
        yield server


@pytest.fixture(scope="session")
def kafka_bootstrap(workdir: Path) -> Iterator[str]:
    with kafka_broker(workdir) as bootstrap:
        yield bootstrap


@pytest.fixture
async def fresh_db(pg: Postgres) -> AsyncIterator[str]:
    """A new, empty database for one test; its DSN."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(pg.dsn("postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield pg.dsn(name)
    admin = await asyncpg.connect(pg.dsn("postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
