"""Query plans on big tables: what a statement costs once history has piled up.

A service's per-request and per-batch statements must cost what the request
or the batch asks for, not what the tables have gathered over the years. The
plan tests fill the tables that grow with history to about a million rows,
run the services' own repository functions on them through :class:`Recorder`
(which keeps each statement as sent, with its arguments), and hand every
statement to :func:`plan_of` and :func:`assert_bounded`.

Plans are *generic* plans (``plan_cache_mode = force_generic_plan``): asyncpg
prepares every statement, and once Postgres settles on a generic plan for it
that plan serves every later call whatever the arguments, so it is the plan
that must be bounded. ``EXPLAIN`` of a statement sent with bound parameters
plans it with their values folded in (a custom plan: ``$2 IS NULL`` vanishes),
so :func:`plan_of` prepares the statement (``PREPARE``) and explains its
execution under ``force_generic_plan`` instead.

What :func:`assert_bounded` refuses, on the tables named ``big``:

* a sequential scan;
* a sort (plain or incremental) of more than :data:`BOUND` rows: a sort of
  the handful of rows a batch of keys found is fine, a top-N sort of an
  institution's whole history is not (EXPLAIN without ANALYZE does not say
  which sort method runs, so the planner's row estimate tells them apart);
* an index scan with no index condition: a walk through the whole index in
  its order (a ``LIMIT`` above stops it only once enough rows passed the
  filter, and for a rare value that is never);
* any other read of more than :data:`BOUND` rows (an index range, a bitmap)
  unless it streams, through nothing that waits for all its input (sort,
  aggregate, hash, materialize…), into a ``LIMIT`` that stops it early, and
  does not filter on the request's values: a ``Filter`` with a parameter on
  such a scan (typically ``$2 IS NULL OR seq > $2``, a cursor or an optional
  filter that cannot be an index condition in a generic plan) throws away
  rows it paid for, the more of them the deeper the page. (A filter with no
  parameter is most often a partial index's own predicate, shown again.)

:data:`BOUND` is 1,000 rows of a table of a million: a page, a batch or a
learner's results are well under it; one institution's history, at a few
thousand rows of the filled tables, is over it.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, cast

import asyncpg
from pydantic import SecretStr

from meriter_shared.db.migrations import migrate
from meriter_shared.db.pool import create_pool
from meriter_shared.db.types import Connection, Pool
from meriter_shared.settings import PostgresSettings

BOUND = 1_000

_SCANS = {"Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan", "Tid Scan"}
_INDEX_SCANS = {"Index Scan", "Index Only Scan"}
_SORTS = {"Sort", "Incremental Sort"}
# Nodes that pass rows on as they come: a LIMIT above them stops the read below.
_STREAMING = {
    "Limit",
    "Index Scan",
    "Index Only Scan",
    "Nested Loop",
    "Result",
    "Unique",
    "Subquery Scan",
    "LockRows",
    "Gather",
    "Append",
    "Merge Append",
    "ModifyTable",
    "CTE Scan",
}


@dataclass(frozen=True)
class Plan:
    """A statement's generic plan: the text EXPLAIN prints and its JSON tree."""

    sql: str
    text: str
    tree: dict[str, Any]

    def __str__(self) -> str:
        return self.text


@dataclass
class Statement:
    sql: str
    args: tuple[Any, ...]


@dataclass
class Recorder:
    """A connection that keeps every statement sent through it, as sent, and returns
    what the real connection returns — so a test runs the service's own functions
    with realistic arguments and then explains what they sent."""

    conn: Connection
    statements: list[Statement] = field(default_factory=list)

    def _keep(self, sql: str, args: Sequence[Any]) -> None:
        self.statements.append(Statement(sql, tuple(args)))

    async def fetch(self, sql: str, *args: Any, **kw: Any) -> Any:
        self._keep(sql, args)
        return await self.conn.fetch(sql, *args, **kw)

    async def fetchrow(self, sql: str, *args: Any, **kw: Any) -> Any:
        self._keep(sql, args)
        return await self.conn.fetchrow(sql, *args, **kw)

    async def fetchval(self, sql: str, *args: Any, **kw: Any) -> Any:
        self._keep(sql, args)
        return await self.conn.fetchval(sql, *args, **kw)

    async def execute(self, sql: str, *args: Any, **kw: Any) -> Any:
        self._keep(sql, args)
        return await self.conn.execute(sql, *args, **kw)

    async def executemany(self, sql: str, args: Iterable[Sequence[Any]], **kw: Any) -> Any:
        rows = list(args)
        if rows:
            self._keep(sql, rows[0])
        return await self.conn.executemany(sql, rows, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)

    @property
    def as_connection(self) -> Connection:
        return cast(Connection, self)


async def plan_of(pool: Pool, sql: str, *args: Any, setup: str = "") -> Plan:
    """The generic plan of ``sql``; nothing runs, the statement is only explained.

    ``args`` are the arguments the statement was sent with; a generic plan is made
    before any value is known, so only their number is used (each is explained as a
    NULL of its parameter's type)."""
    params = ", ".join(["NULL"] * len(args))
    execute = f"EXECUTE plans_probe({params})" if args else "EXECUTE plans_probe"
    async with pool.acquire() as conn:
        tr = conn.transaction()
        await tr.start()
        try:
            await conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            if setup:
                await conn.execute(setup)
            await conn.execute(f"PREPARE plans_probe AS {sql}")
            tree = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {execute}")
            text = await conn.fetch(f"EXPLAIN {execute}")
        finally:
            await tr.rollback()
            # A prepared statement outlives the transaction that made it.
            if await conn.fetchval(
                "SELECT count(*) FROM pg_prepared_statements WHERE name = 'plans_probe'"
            ):
                await conn.execute("DEALLOCATE plans_probe")
    parsed = tree if isinstance(tree, list) else json.loads(tree)
    return Plan(sql, "\n".join(r[0] for r in text), parsed[0]["Plan"])


def _nodes(
    node: dict[str, Any], path: tuple[dict[str, Any], ...] = ()
) -> Iterator[tuple[dict[str, Any], tuple[dict[str, Any], ...]]]:
    """Every node with its ancestors (nearest last)."""
    yield node, path
    for child in node.get("Plans", ()):
        yield from _nodes(child, (*path, node))


def _reads_big(node: dict[str, Any], big: set[str]) -> bool:
    return any(n.get("Relation Name") in big for n, _ in _nodes(node))


def _stops_early(path: tuple[dict[str, Any], ...]) -> bool:
    """A LIMIT above, reached only through nodes that stream."""
    for ancestor in reversed(path):
        kind = ancestor["Node Type"]
        if kind == "Limit":
            return True
        if kind not in _STREAMING:
            return False
    return False


def faults(plan: Plan, big: Iterable[str]) -> list[str]:
    """What the plan does to the big tables that grows with their history."""
    tables = set(big)
    found: list[str] = []
    for node, path in _nodes(plan.tree):
        kind = node["Node Type"]
        table = node.get("Relation Name")
        rows = node.get("Plan Rows", 0)
        if kind == "Seq Scan" and table in tables:
            found.append(f"Seq Scan on {table}")
        elif kind in _SORTS and rows > BOUND and _reads_big(node, tables):
            found.append(f"{kind} of ~{rows} rows ({node.get('Sort Key')})")
        elif kind in _INDEX_SCANS and table in tables and "Index Cond" not in node:
            found.append(f"{kind} walking all of {node['Index Name']} (no index condition)")
        elif kind in _SCANS and table in tables and rows > BOUND:
            index = node.get("Index Name")
            what = f"{kind} reading ~{rows} rows of {table}" + (f" ({index})" if index else "")
            if not _stops_early(path):
                found.append(what)
            elif "$" in node.get("Filter", ""):
                found.append(f"{what}, under a LIMIT but discarding rows: {node['Filter']}")
        elif kind == "Bitmap Index Scan" and rows > BOUND:
            heap = next(a for a in reversed(path) if a["Node Type"] == "Bitmap Heap Scan")
            if heap.get("Relation Name") in tables:
                found.append(f"Bitmap Index Scan of ~{rows} entries of {node['Index Name']}")
    return found


def _unexcused(found: list[str], allow: Mapping[str, str]) -> list[str]:
    return [f for f in found if f.startswith("Seq Scan") or not any(key in f for key in allow)]


def assert_bounded(name: str, plan: Plan, big: Iterable[str]) -> None:
    problems = faults(plan, big)
    assert not problems, f"{name}: {'; '.join(problems)}\n{plan.sql}\n{plan.text}"


async def assert_all_bounded(
    pool: Pool,
    name: str,
    statements: Sequence[Statement],
    big: Iterable[str],
    allow: Mapping[str, str] | None = None,
) -> list[Plan]:
    """Explain each statement the recorder kept; fail naming every unbounded one.

    ``allow``: a fault containing a key is accepted, for the reason its value gives
    (a sequential scan never is)."""
    assert statements, f"{name} sent no statement"
    tables = list(big)
    plans = [await plan_of(pool, s.sql, *s.args) for s in statements]
    if os.environ.get("PLANS_SHOW"):  # to read the plans: PLANS_SHOW=1 pytest -s …
        for plan in plans:
            print(f"\n--- {name}\n{plan.sql}\n{plan.text}")
    problems = [
        f"{name} #{i}: {'; '.join(p)}\n{plan.sql}\n{plan.text}"
        for i, plan in enumerate(plans)
        if (p := _unexcused(faults(plan, tables), allow or {}))
    ]
    assert not problems, "\n\n".join(problems)
    return plans


# The schema's keys and indexes, as their definitions, to drop before a bulk fill
# and make again after it: building an index once over a million rows costs a
# fraction of keeping it up to date row by row.
_CONSTRAINTS = """
SELECT c.conrelid::regclass::text AS tab, c.conname AS name, c.contype::text AS kind,
       pg_get_constraintdef(c.oid) AS def
  FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
 WHERE n.nspname = 'public' AND c.contype IN ('p', 'u', 'f')
"""
_INDEXES = """
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
  FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
 WHERE n.nspname = 'public'
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""


async def _bulk_fill(conn: Connection, fill: Sequence[str]) -> None:
    constraints = await conn.fetch(_CONSTRAINTS)
    indexes = await conn.fetch(_INDEXES)
    keys = [c for c in constraints if c["kind"] != "f"]
    foreign = [c for c in constraints if c["kind"] == "f"]
    for c in foreign + keys:
        await conn.execute(f'ALTER TABLE {c["tab"]} DROP CONSTRAINT "{c["name"]}"')
    for i in indexes:
        await conn.execute(f"DROP INDEX {i['name']}")
    for sql in fill:
        await conn.execute(sql)
    for i in indexes:
        await conn.execute(i["def"])
    for c in keys + foreign:
        await conn.execute(f'ALTER TABLE {c["tab"]} ADD CONSTRAINT "{c["name"]}" {c["def"]}')


@asynccontextmanager
async def filled(
    base_dsn: str, migrations: Sequence[str], fill: Sequence[str]
) -> AsyncIterator[Pool]:
    """A new database with the service's migrations, filled by ``fill`` (SQL run in
    order, its keys and indexes made afterwards exactly as the migrations defined
    them) and analyzed; dropped afterwards."""
    name = f"plans_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(f"{base_dsn}/postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    settings = PostgresSettings(
        dsn=SecretStr(f"{base_dsn}/{name}"), pool_max=4, command_timeout_s=600
    )
    pool = await create_pool(settings)
    try:
        await migrate(pool, *migrations)
        async with pool.acquire() as conn:
            # A test database: losing it in a crash costs nothing, waiting for WAL
            # flushes would cost much of the fill.
            await conn.execute("SET synchronous_commit = off")
            await conn.execute("SET maintenance_work_mem = '256MB'")
            async with conn.transaction():
                await _bulk_fill(conn, fill)
            await conn.execute("ANALYZE")
        yield pool
    finally:
        await pool.close()
        admin = await asyncpg.connect(f"{base_dsn}/postgres")
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def recorded(pool: Pool, call: Callable[[Connection], Awaitable[object]]) -> list[Statement]:
    """Run ``call`` on a recording connection in a transaction that is rolled back
    (the big tables stay as filled); the statements it sent."""
    async with pool.acquire() as conn:
        tr = conn.transaction()
        await tr.start()
        try:
            recorder = Recorder(conn)
            await call(recorder.as_connection)
        finally:
            await tr.rollback()
    return recorder.statements
