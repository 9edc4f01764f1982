"""Throw-away Postgres and Tansu for a benchmark run (same code as ``make up``)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from meriter_local.postgres import create_databases, start_postgres, stop_postgres
from meriter_local.procs import free_port
from meriter_local.tansu import start_tansu, stop_tansu


@dataclass
class BenchInfra:
    pg_base: str
    bootstrap: str

    def dsn(self, database: str) -> str:
        return f"{self.pg_base}/{database}"


@contextmanager
def bench_infra(*databases: str) -> Iterator[BenchInfra]:
    with tempfile.TemporaryDirectory(prefix="mb-") as tmp:
        os.chmod(tmp, 0o755)  # noqa: S103 - the postgres user must reach its data dir
        work = Path(tmp)
        pg = start_postgres(work / "pg" / "data", free_port(), work / "pg.log")
        broker = None
        try:
            create_databases(pg, list(databases))
            broker = start_tansu(free_port(), work / "tansu.log")
            yield BenchInfra(pg_base=pg.dsn_base, bootstrap=broker.bootstrap)
        finally:
            if broker:
                stop_tansu(broker)
            stop_postgres(pg)
