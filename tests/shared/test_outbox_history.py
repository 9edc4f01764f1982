"""The outbox as history grows: a queue that holds only what waits, a published
log read by bounded statements, purged in bounded batches.

Against real Postgres: the plans are Postgres's own, on a published log of a
million rows.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from aiokafka import AIOKafkaProducer

from meriter_shared.db import inbox
from meriter_shared.db.migrations import _files, migrate
from meriter_shared.db.outbox import enqueue_event
from meriter_shared.db.pool import create_pool
from meriter_shared.db.types import Pool
from meriter_shared.events.envelope import CloudEvent
from meriter_shared.messaging.kafka import ensure_topics
from meriter_shared.messaging.outbox_sql import (
    PENDING,
    PENDING_PLAN,
    PENDING_SPAN,
    PUBLISHED_HIGHS,
    PURGE,
    UNPUBLISH,
)
from meriter_shared.messaging.relay import OutboxRelay
from meriter_shared.observability.metrics import OUTBOX_PENDING
from meriter_shared.settings import KafkaSettings, PostgresSettings
from support.kafka import kafka_settings

MILLION = 1_000_000


def event(n: int, subject: str = "agg") -> CloudEvent:
    return CloudEvent.new(type="thing.happened", source="urn:test", subject=subject, data={"n": n})


async def fill_published(pool: Pool, rows: int, *, partitions: int = 6, days_old: int = 0) -> None:
    """``rows`` published events over two topics and ``partitions`` partitions each."""
    await pool.execute(
        "INSERT INTO outbox_published (seq, event_id, topic, key, event, created_at, "
        "published_at, kafka_partition, kafka_offset) "
        "SELECT n, 'e' || n, CASE WHEN n % 2 = 0 THEN 'a.events' ELSE 'b.events' END, "
        "'k' || n, '{}'::jsonb, now() - make_interval(days => $2), "
        "now() - make_interval(days => $2), (n / 2) % $3, n / (2 * $3) "
        "FROM generate_series(1, $1) AS n",
        rows,
        days_old,
        partitions,
    )
    await pool.execute("SELECT setval('outbox_seq_seq', $1)", rows)
    await pool.execute("ANALYZE outbox_published")


async def plan_of(pool: Pool, sql: str, *args: object, setup: str = "") -> str:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        if setup:
            await conn.execute(setup)
        statement = await conn.prepare("EXPLAIN " + sql)
        return "\n".join(r[0] for r in await statement.fetch(*args))


def bounded(name: str, plan: str) -> None:
    """No sequential scan and no sort: the statement reads along an index and stops."""
    assert "Seq Scan" not in plan, f"{name} scans a whole table:\n{plan}"
    assert "Sort" not in plan, f"{name} sorts:\n{plan}"


async def test_the_relays_statements_touch_a_bounded_part_of_a_million_row_log(
    pool: Pool,
) -> None:
    await fill_published(pool, MILLION)
    checks: dict[str, tuple[str, tuple[object, ...]]] = {
        "highs": (PUBLISHED_HIGHS, ()),
        "unpublish": (UNPUBLISH, ("a.events", 3, 80_000, [])),
        "purge": (PURGE, (timedelta(days=7), 10_000)),
    }
    for name, (sql, args) in checks.items():
        bounded(name, await plan_of(pool, sql, *args))


async def test_the_queue_is_read_along_its_key_whatever_its_statistics_say(pool: Pool) -> None:
    # A burst: 300,000 rows waiting that the statistics have not seen yet
    # (the queue was empty at its last ANALYZE), then the same once analyzed.
    await pool.execute("ANALYZE outbox")
    await pool.execute(
        "INSERT INTO outbox (event_id, topic, key, event) "
        "SELECT 'e' || n, 't', 'k' || n, '{}'::jsonb FROM generate_series(1, 300000) AS n"
    )
    for _ in ("stale", "analyzed"):
        bounded("pending", await plan_of(pool, PENDING, 2000, setup=PENDING_PLAN))
        bounded("pending span", await plan_of(pool, PENDING_SPAN, setup=PENDING_PLAN))
        await pool.execute("ANALYZE outbox")


async def test_the_highest_offsets_are_those_a_full_count_finds(pool: Pool) -> None:
    await fill_published(pool, 50_000, partitions=5)
    skip = {(r["topic"], r["p"]): r["high"] for r in await pool.fetch(PUBLISHED_HIGHS)}
    full = {
        (r["topic"], r["p"]): r["high"]
        for r in await pool.fetch(
            "SELECT topic, kafka_partition AS p, max(kafka_offset) AS high "
            "FROM outbox_published GROUP BY 1, 2"
        )
    }
    assert skip == full
    assert len(skip) == 10


async def test_purge_drops_old_rows_in_bounded_batches_and_keeps_recent_ones(
    pool: Pool, producer: AIOKafkaProducer
) -> None:
    await fill_published(pool, 25_000, days_old=8)
    await pool.execute(
        "UPDATE outbox_published SET published_at = now() WHERE seq > 24000"
    )  # the last thousand are recent
    relay = OutboxRelay(
        pool, producer, KafkaSettings(), service="test", retention=timedelta(days=7)
    )
    assert await relay.purge(batch=10_000) == 24_000
    assert await pool.fetchval("SELECT count(*) FROM outbox_published") == 1_000
    assert await pool.fetchval("SELECT min(seq) FROM outbox_published") == 24_001


async def test_the_pending_gauge_ignores_an_old_parked_row_and_published_history(
    pool: Pool, producer: AIOKafkaProducer, kafka_bootstrap: str, topic: str
) -> None:
    settings = kafka_settings(kafka_bootstrap)
    await ensure_topics(settings, [topic], partitions=1)
    async with pool.acquire() as conn, conn.transaction():
        await enqueue_event(conn, event(0, subject="stuck"), topic=topic)
    await pool.execute("UPDATE outbox SET parked_at = now(), park_error = 'refused'")
    for n in range(1, 301):
        async with pool.acquire() as conn, conn.transaction():
            await enqueue_event(conn, event(n, subject=f"a{n}"), topic=topic)
    relay = OutboxRelay(pool, producer, settings, service="gauge", batch_size=100)
    await relay.publish_batch()  # 100 out, 200 wait
    async with pool.acquire() as conn, conn.transaction():
        for n in range(301, 311):
            await enqueue_event(conn, event(n, subject=f"a{n}"), topic=topic)
    await relay.observe()
    assert OUTBOX_PENDING.labels("gauge")._value.get() == 210
    while await relay.publish_batch():
        pass
    await relay.observe()
    assert OUTBOX_PENDING.labels("gauge")._value.get() == 0
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 1  # the parked one
    assert await pool.fetchval("SELECT count(*) FROM outbox_published") == 310
    assert await pool.fetchval("SELECT count(*) FROM outbox_log") == 311


async def test_a_database_of_the_old_shape_keeps_its_published_rows_and_its_queue(
    fresh_db: str,
) -> None:
    """Upgrading: rows published in place move to the log, waiting ones stay queued."""
    pool = await create_pool(PostgresSettings(dsn=fresh_db))
    try:
        await pool.execute(
            "CREATE TABLE schema_migrations (component text NOT NULL, name text NOT NULL, "
            "sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), "
            "PRIMARY KEY (component, name))"
        )
        for name, sql in _files("meriter_shared.db"):
            if name >= "0004":
                break
            await pool.execute(sql)
            await pool.execute(
                "INSERT INTO schema_migrations (component, name, sha256) VALUES ('kernel', $1, $2)",
                name,
                hashlib.sha256(sql.encode()).hexdigest(),
            )
        await pool.execute(
            "INSERT INTO outbox (event_id, topic, key, event, published_at, kafka_partition, "
            "kafka_offset) SELECT 'e' || n, 't', 'k', $1::jsonb, "
            "CASE WHEN n <= 3 THEN now() END, CASE WHEN n <= 3 THEN 0 END, "
            "CASE WHEN n <= 3 THEN n - 1 END FROM generate_series(1, 5) AS n",
            json.dumps({"n": 1}),
        )
        assert "kernel/0004_outbox_published_apart.sql" in await migrate(pool)
        assert [r["event_id"] for r in await pool.fetch("SELECT event_id FROM outbox")] == [
            "e4",
            "e5",
        ]
        published = await pool.fetch(
            "SELECT event_id, kafka_offset FROM outbox_published ORDER BY seq"
        )
        assert [(r["event_id"], r["kafka_offset"]) for r in published] == [
            ("e1", 0),
            ("e2", 1),
            ("e3", 2),
        ]
    finally:
        await pool.close()


async def test_the_inbox_forgets_old_events_in_bounded_batches_along_its_brin_index(
    pool: Pool, producer: AIOKafkaProducer
) -> None:
    # 30,000 events handled three weeks ago, then a million recent ones: the
    # purge must find the old ones without reading the recent million.
    await pool.execute(
        "INSERT INTO inbox (consumer, event_id, handled_at) "
        "SELECT 'c', 'old' || n, now() - make_interval(days => 21) + make_interval(secs => n) "
        "FROM generate_series(1, 30000) AS n"
    )
    await pool.execute(
        "INSERT INTO inbox (consumer, event_id, handled_at) "
        "SELECT 'c', 'e' || n, now() - make_interval(days => 2) + make_interval(secs => n / 10.0) "
        "FROM generate_series(1, $1) AS n",
        MILLION,
    )
    await pool.execute("ANALYZE inbox")
    plan = await plan_of(pool, inbox.PURGE, timedelta(days=14), 10_000)
    assert "Seq Scan" not in plan, plan
    assert "inbox_handled_at" in plan, plan
    relay = OutboxRelay(
        pool, producer, KafkaSettings(), service="test", inbox_retention=timedelta(days=14)
    )
    assert await relay.purge(batch=10_000) == 30_000
    assert await pool.fetchval("SELECT count(*) FROM inbox") == MILLION
    # A redelivered recent event is still recognised.
    async with pool.acquire() as conn, conn.transaction():
        assert not await inbox.claim(conn, "c", "e1")
