"""Real infrastructure for a test session: PostgreSQL and a Kafka broker.

By default the session starts its own Postgres (system binaries or
pgserver's) and a Tansu broker on free ports, and stops them at the end.
Environment overrides:
- ``MERITER_TEST_PG_DSN``: a server to use instead (superuser DSN, any db);
- ``MERITER_TEST_KAFKA_BOOTSTRAP``: a broker to use instead;
- ``MERITER_TEST_KAFKA=testcontainers``: real Apache Kafka (KRaft) in a
  container, for machines with a Docker engine.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from meriter_local.postgres import start_postgres, stop_postgres
from meriter_local.procs import free_port
from meriter_local.tansu import start_tansu, stop_tansu


@dataclass
class Postgres:
    base_dsn: str  # without database name

    def dsn(self, database: str) -> str:
        return f"{self.base_dsn}/{database}"


@contextmanager
def postgres_server(workdir: Path) -> Iterator[Postgres]:
    dsn = os.environ.get("MERITER_TEST_PG_DSN")
    if dsn:
        yield Postgres(base_dsn=dsn.rsplit("/", 1)[0])
        return
    server = start_postgres(workdir / "pg" / "data", free_port(), workdir / "postgres.log")
    try:
        yield Postgres(base_dsn=server.dsn_base)
    finally:
        stop_postgres(server)


@contextmanager
def kafka_broker(workdir: Path) -> Iterator[str]:
    bootstrap = os.environ.get("MERITER_TEST_KAFKA_BOOTSTRAP")
    if bootstrap:
        yield bootstrap
        return
    if os.environ.get("MERITER_TEST_KAFKA") == "testcontainers":
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer("confluentinc/cp-kafka:7.7.1").with_kraft() as kafka:
            yield kafka.get_bootstrap_server()
        return
    broker = start_tansu(free_port(), workdir / "tansu.log")
    try:
        yield broker.bootstrap
    finally:
        stop_tansu(broker)


def session_workdir() -> tempfile.TemporaryDirectory[str]:
    # Under /tmp with a short name: Postgres' socket path has a length limit.
    tmp = tempfile.TemporaryDirectory(prefix=f"mt-{uuid.uuid4().hex[:6]}-")
    os.chmod(tmp.name, 0o755)  # noqa: S103 - the postgres user must reach its data dir
    return tmp
