"""The one-machine Postgres: system binaries or, where there are none, pgserver's."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from meriter_local.postgres import create_databases, find_bin_dir, start_postgres, stop_postgres
from meriter_local.procs import free_port


async def test_pgserver_bundled_postgres_starts_and_serves_a_database(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MERITER_PG_BIN_DIR", "pgserver")
    assert "pgserver" in str(find_bin_dir())
    base = workdir / "pgserver"  # the session's workdir is reachable by the postgres user
    server = start_postgres(base / "data", free_port(), base / "pg.log")
    try:
        create_databases(server, ["registry"])
        conn = await asyncpg.connect(server.dsn("registry"))
        try:
            version = await conn.fetchval("SHOW server_version_num")
        finally:
            await conn.close()
        assert int(version) >= 160000
    finally:
        stop_postgres(server)


@pytest.mark.parametrize("binaries", ["default", "pgserver"])
def test_a_fresh_local_postgres_logs_no_fatal_line(
    binaries: str, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Start, readiness probe and database creation connect only as ``postgres``:
    nothing logs ``FATAL: role "root" does not exist`` (pg_isready without -U
    connects as the OS user) or a connection tried while starting up."""
    if binaries == "pgserver":
        monkeypatch.setenv("MERITER_PG_BIN_DIR", "pgserver")
    base = workdir / f"fresh-{binaries}"
    log = base / "postgres.log"
    server = start_postgres(base / "data", free_port(), log)
    try:
        create_databases(server, ["registry", "issuer"])
    finally:
        stop_postgres(server)
    text = log.read_text(errors="replace")
    assert "database system is ready to accept connections" in text
    assert [line for line in text.splitlines() if "FATAL" in line] == []
