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


def process_tree(root: int) -> list[int]:
    """``root`` and every process below it (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _part(pid: int, parents: dict[int, str]) -> str:
    """Which part of the platform a process is: by its command line, or its parent's."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "gone"
    if "tansu" in command:
        return "broker (Tansu)"
    if command.startswith("postgres") or "/postgres" in command:
        return "postgres"
    for service in ("registry", "issuer", "verifier", "notifier"):
        if f"meriter_{service} serve" in command:
            return f"{service} HTTP"
        if f"meriter_{service} worker" in command:
            return f"{service} worker"
    if "meriter_local.mailsink" in command:
        return "mail sink (stands in for mail servers)"
    if "bench." in command:
        return "benchmark client"
    return parents.get(pid, "other")


def cpu_by_part(root: int) -> dict[str, float]:
    """CPU seconds so far of every process below ``root``, summed by platform part
    (a service's CPU-pool and HTTP processes count with the process that started them)."""
    tree = process_tree(root)
    parents: dict[int, str] = {}
    parts: dict[str, float] = {}
    for pid in tree:  # parents come before their children in process_tree's order
        part = _part(pid, parents)
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            children = []
        for child in children:
            parents[int(child)] = part
        parts[part] = parts.get(part, 0.0) + cpu_seconds([pid])
    return parts
