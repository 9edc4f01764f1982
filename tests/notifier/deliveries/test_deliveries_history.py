"""Deliveries as history grows: the backlog gauge costs what the backlog is,
capped, and the purge of finished deliveries what it purges.

Against real Postgres, on a million deliveries.
"""

from __future__ import annotations

from datetime import timedelta

from meriter_notifier.deliveries import repository
from meriter_notifier.deliveries.service import purge_finished_deliveries
from meriter_shared.db.types import Pool


async def plan(db: Pool, sql: str, *args: object) -> str:
    async with db.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        statement = await conn.prepare("EXPLAIN " + sql)
        return "\n".join(r[0] for r in await statement.fetch(*args))


async def test_the_backlog_is_counted_along_the_index_of_waiting_records(db: Pool) -> None:
    await db.execute(
        "INSERT INTO deliveries (delivery_key, channel, institution_id, credential_id, "
        "event_id, event_type, message_id, state, sent_at) "
        "SELECT 'email/credential.issued/' || n, 'email', 'i' || (n % 300), 'c' || n, "
        "'e' || n, 'credential.issued', '<m' || n || '@x>', "
        "CASE WHEN n % 100000 = 0 THEN 'queued' WHEN n % 100001 = 0 THEN 'retrying' "
        "ELSE 'sent' END, now() FROM generate_series(1, 1000000) AS n"
    )
    await db.execute("ANALYZE deliveries")
    explained = await plan(db, repository.BACKLOG, "email", repository.BACKLOG_CAP)
    assert "Seq Scan" not in explained, explained
    assert "deliveries_due" in explained, explained
    async with db.acquire() as conn:
        assert await repository.backlog(conn, "email") == {
            "queued": 10,
            "retrying": 9,
            "sending": 0,
        }
        assert await repository.backlog(conn, "webhook") == {
            "queued": 0,
            "retrying": 0,
            "sending": 0,
        }


async def test_a_backlog_beyond_the_cap_is_reported_at_the_cap(db: Pool) -> None:
    await db.execute(
        "INSERT INTO deliveries (delivery_key, channel, institution_id, event_id, event_type, "
        "message_id) SELECT 'k' || n, 'email', 'i', 'e' || n, 'credential.issued', 'm' || n "
        "FROM generate_series(1, $1) AS n",
        repository.BACKLOG_CAP + 5,
    )
    async with db.acquire() as conn:
        counts = await repository.backlog(conn, "email")
    assert counts["queued"] == repository.BACKLOG_CAP


async def test_finished_deliveries_past_retention_are_purged_in_batches_along_the_brin_index(
    db: Pool,
) -> None:
    # 20,000 deliveries of last year (sent, failed, one parked webhook), then a
    # million recent ones: the purge finds the old without reading the recent.
    await db.execute(
        "INSERT INTO deliveries (delivery_key, channel, institution_id, event_id, event_type, "
        "message_id, state, created_at, parked_at) "
        "SELECT 'old' || n, 'email', 'i', 'e' || n, 'credential.issued', 'm' || n, "
        "CASE WHEN n % 2 = 0 THEN 'sent' ELSE 'failed' END, "
        "now() - interval '400 days' + make_interval(secs => n), "
        "CASE WHEN n = 1 THEN now() END FROM generate_series(1, 20000) AS n"
    )
    await db.execute(
        "INSERT INTO deliveries (delivery_key, channel, institution_id, event_id, event_type, "
        "message_id, state) SELECT 'new' || n, 'email', 'i', 'f' || n, 'credential.issued', "
        "'n' || n, 'sent' FROM generate_series(1, 1000000) AS n"
    )
    await db.execute("ANALYZE deliveries")
    async with db.acquire() as conn:
        now = await conn.fetchval("SELECT now()")
        explained = await plan(
            db,
            "SELECT ctid FROM deliveries WHERE created_at < $1 "
            "AND state IN ('sent', 'failed', 'bounced') AND parked_at IS NULL LIMIT $2",
            now - timedelta(days=90),
            10_000,
        )
        assert "Seq Scan" not in explained, explained
        purged = 0
        while n := await purge_finished_deliveries(conn, now, timedelta(days=90)):
            purged += n
    assert purged == 19_999
    assert await db.fetchval("SELECT count(*) FROM deliveries") == 1_000_001  # + the parked one
