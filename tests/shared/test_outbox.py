"""The transactional outbox and its relay, against real Postgres and Kafka."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from meriter_local.procs import free_port
from meriter_local.tansu import start_tansu, stop_tansu
from meriter_shared.db.outbox import enqueue_event, enqueue_many
from meriter_shared.db.types import Pool
from meriter_shared.errors import PayloadTooLarge
from meriter_shared.events.envelope import CloudEvent, decode
from meriter_shared.messaging.kafka import create_producer, ensure_topics
from meriter_shared.messaging.relay import (
    PENDING,
    PENDING_EVENTS,
    PENDING_PLAN,
    OutboxRelay,
    parked_count,
    parked_rows,
    replay_parked,
)
from meriter_shared.observability.metrics import OUTBOX_PARKED, OUTBOX_PENDING
from meriter_shared.settings import KafkaSettings
from support.contracts import ThingHappened
from support.kafka import kafka_settings, read_all
from support.waiting import eventually


def event(n: int, subject: str = "agg") -> CloudEvent:
    return CloudEvent.new(type="thing.happened", source="urn:test", subject=subject, data={"n": n})


async def write_events(pool: Pool, topic: str, numbers: Iterable[int]) -> None:
    """One committed transaction per event, as separate requests would write them."""
    for n in numbers:
        async with pool.acquire() as conn, conn.transaction():
            await enqueue_event(conn, event(n), topic=topic)


async def queued(
    pool: Pool, kafka_bootstrap: str, topic: str, numbers: Iterable[int]
) -> KafkaSettings:
    """A one-partition ``topic`` and the events ``numbers`` waiting in the outbox for it."""
    settings = kafka_settings(kafka_bootstrap)
    await ensure_topics(settings, [topic], partitions=1)
    await write_events(pool, topic, numbers)
    return settings


async def published_count(pool: Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM outbox_published"))


async def test_enqueue_outside_a_transaction_is_refused(pool: Pool, topic: str) -> None:
    async with pool.acquire() as conn:
        with pytest.raises(RuntimeError, match="inside"):
            await enqueue_event(conn, event(1), topic=topic)


async def test_a_row_written_in_a_rolled_back_transaction_is_never_published(
    pool: Pool, producer: AIOKafkaProducer, kafka_bootstrap: str, topic: str
) -> None:
    settings = kafka_settings(kafka_bootstrap)
    await ensure_topics(settings, [topic], partitions=1)
    async with pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        await enqueue_event(conn, event(1), topic=topic)
        await tx.rollback()
        async with conn.transaction():
            await enqueue_event(conn, event(2), topic=topic)
    relay = OutboxRelay(pool, producer, settings, service="test")
    while await relay.publish_batch():
        pass
    records = await read_all(kafka_bootstrap, topic)
    assert [decode(r.value, r.headers).data["n"] for r in records] == [2]


async def test_relay_publishes_in_commit_order_and_records_positions(
    pool: Pool, producer: AIOKafkaProducer, kafka_bootstrap: str, topic: str
) -> None:
    settings = kafka_settings(kafka_bootstrap)
    await ensure_topics(settings, [topic], partitions=1)
    for n in range(5):
        async with pool.acquire() as conn, conn.transaction():
            await enqueue_event(conn, event(n), topic=topic)
    relay = OutboxRelay(pool, producer, settings, service="test", poll_interval_s=0.05)
    await relay.start()
    try:
        await eventually(lambda: published_count(pool), lambda c: c == 5)
    finally:
        await relay.stop()
    records = await read_all(kafka_bootstrap, topic)
    assert [json.loads(r.value or b"")["n"] for r in records] == [0, 1, 2, 3, 4]
    offsets = [
        r["kafka_offset"]
        for r in await pool.fetch("SELECT kafka_offset FROM outbox_published ORDER BY seq")
    ]
    assert offsets == [0, 1, 2, 3, 4]
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0  # the queue is empty


async def test_events_lost_by_a_restarted_broker_are_published_again(
    pool: Pool, workdir: Path, topic: str
) -> None:
    port = free_port()
    broker = start_tansu(port, workdir / f"tansu-{port}.log")
    settings = kafka_settings(broker.bootstrap)
    try:
        await ensure_topics(settings, [topic], partitions=2)
        for n in range(4):
            async with pool.acquire() as conn, conn.transaction():
                await enqueue_event(conn, event(n, subject=f"agg-{n}"), topic=topic)
        producer = create_producer(settings)
        await producer.start()
        relay = OutboxRelay(pool, producer, settings, service="test")
        while await relay.publish_batch():
            pass
        await producer.stop()
        assert len(await read_all(broker.bootstrap, topic)) == 4
    finally:
        stop_tansu(broker)

    # Same address, empty memory: the broker forgot everything.
    broker = start_tansu(port, workdir / f"tansu-{port}.log")
    try:
        await ensure_topics(settings, [topic], partitions=2)
        producer = create_producer(settings)
        await producer.start()
        relay = OutboxRelay(pool, producer, settings, service="test")
        assert await relay.recover_lost() == 4
        while await relay.publish_batch():
            pass
        await relay.stop()
        await producer.stop()
        records = await read_all(broker.bootstrap, topic)
        assert sorted(decode(r.value, r.headers).data["n"] for r in records) == [0, 1, 2, 3]
    finally:
        stop_tansu(broker)


async def test_a_broker_that_forgets_while_the_relay_runs_gets_the_lost_events_again(
    pool: Pool, workdir: Path, topic: str
) -> None:
    port = free_port()
    broker = start_tansu(port, workdir / f"tansu-{port}.log")
    settings = kafka_settings(broker.bootstrap)
    await ensure_topics(settings, [topic], partitions=1)
    producer = create_producer(settings)
    await producer.start()
    relay = OutboxRelay(pool, producer, settings, service="test")
    await write_events(pool, topic, range(3))
    while await relay.publish_batch():
        pass
    stop_tansu(broker)
    broker = start_tansu(port, workdir / f"tansu-{port}.log")
    try:
        await ensure_topics(settings, [topic], partitions=1)
        # The relay and its producer keep running (no start-up check): a new
        # event's ack at an offset the relay has seen before reveals the loss.
        async with pool.acquire() as conn, conn.transaction():
            await enqueue_event(conn, event(3), topic=topic)
        while await relay.publish_batch():
            pass
        records = await read_all(broker.bootstrap, topic)
        assert sorted(decode(r.value, r.headers).data["n"] for r in records) == [0, 1, 2, 3]
    finally:
        await producer.stop()
        stop_tansu(broker)


async def test_trace_context_of_the_writer_travels_with_the_event(
    pool: Pool, producer: AIOKafkaProducer, kafka_bootstrap: str, topic: str
) -> None:
    from opentelemetry import trace

    from meriter_shared.observability.tracing import setup_tracing

    setup_tracing("test", None)
    settings = kafka_settings(kafka_bootstrap)
    await ensure_topics(settings, [topic], partitions=1)
    with trace.get_tracer("test").start_as_current_span("request") as span:
        trace_id = format(span.get_span_context().trace_id, "032x")
        async with pool.acquire() as conn, conn.transaction():
            await enqueue_event(conn, event(1), topic=topic)
    relay = OutboxRelay(pool, producer, settings, service="test")
    await relay.publish_batch()
    (record,) = await read_all(kafka_bootstrap, topic)
    assert trace_id in dict(record.headers)["traceparent"].decode()


async def test_two_relays_on_one_outbox_publish_each_row_once_across_a_handover(
    pool: Pool, kafka_bootstrap: str, topic: str
) -> None:
    """Several processes of a service each run a relay; one leads, the other
    takes over when it stops, and no row is published twice or taken as lost."""
    from meriter_shared.observability.metrics import OUTBOX_REPLAYED

    settings = kafka_settings(kafka_bootstrap)
    await ensure_topics(settings, [topic], partitions=3)
    replayed_before = OUTBOX_REPLAYED.labels("two-relays", topic)._value.get()
    producers = [create_producer(settings), create_producer(settings)]
    relays = [
        OutboxRelay(pool, p, settings, service="two-relays", poll_interval_s=0.05)
        for p in producers
    ]
    for p in producers:
        await p.start()
    for r in relays:
        await r.start()

    async def write(first: int, n: int) -> None:
        for i in range(first, first + n):
            async with pool.acquire() as conn, conn.transaction():
                await enqueue_event(conn, event(i, subject=f"agg-{i % 7}"), topic=topic)

    try:
        await write(0, 100)
        await eventually(lambda: published_count(pool), lambda n: n == 100)
        leader = next(r for r in relays if r.is_leader)
        follower = next(r for r in relays if r is not leader)
        await leader.stop()
        await write(100, 100)
        await eventually(lambda: published_count(pool), lambda n: n == 200, timeout_s=30)
        assert follower.is_leader
        assert await follower.recover_lost() == 0  # the broker has everything
    finally:
        for r in relays:
            await r.stop()
        for p in producers:
            await p.stop()
    records = await read_all(kafka_bootstrap, topic)
    numbers = sorted(decode(r.value, r.headers).data["n"] for r in records)
    assert numbers == list(range(200))
    assert OUTBOX_REPLAYED.labels("two-relays", topic)._value.get() == replayed_before


async def test_events_published_in_multi_record_batches_are_not_taken_for_lost(
    pool: Pool, producer: AIOKafkaProducer, kafka_bootstrap: str, topic: str
) -> None:
    # Tansu reports a partition's end as its last batch's base offset + 1;
    # the relay must read the true end, or it republishes what the broker has.
    settings = kafka_settings(kafka_bootstrap)
    await ensure_topics(settings, [topic], partitions=2)
    async with pool.acquire() as conn, conn.transaction():
        for n in range(50):
            await enqueue_event(conn, event(n, subject=f"agg-{n % 5}"), topic=topic)
    relay = OutboxRelay(pool, producer, settings, service="test")
    assert await relay.publish_batch() == 50  # one send: a batch of many records per partition
    assert await relay.recover_lost() == 0
    await relay.stop()
    assert await published_count(pool) == 50
    assert len(await read_all(kafka_bootstrap, topic)) == 50


async def test_repeated_checks_over_several_topics_find_nothing_lost(
    pool: Pool, producer: AIOKafkaProducer, kafka_bootstrap: str, topic: str
) -> None:
    # Reading a partition's last batch points the check's consumer at that one
    # topic; the next check must still see every other topic's partitions, or
    # it takes their events for lost and publishes them all again.
    settings = kafka_settings(kafka_bootstrap)
    topics = [topic, f"{topic}-second", f"{topic}-third"]
    await ensure_topics(settings, topics, partitions=2)
    async with pool.acquire() as conn, conn.transaction():
        for n in range(60):
            await enqueue_event(conn, event(n, subject=f"agg-{n % 4}"), topic=topics[n % 3])
    relay = OutboxRelay(pool, producer, settings, service="test")
    try:
        while await relay.publish_batch():
            pass
        for _ in range(3):
            assert await relay.recover_lost() == 0
        assert await published_count(pool) == 60
    finally:
        await relay.stop()
    for name in topics:
        assert len(await read_all(kafka_bootstrap, name)) == 20


async def test_the_periodic_check_sees_a_broker_that_forgot_since_the_last_check(
    pool: Pool, workdir: Path, topic: str
) -> None:
    """The relay keeps one consumer for its checks; it must not trust what it knew."""
    port = free_port()
    broker = start_tansu(port, workdir / f"tansu-{port}.log")
    settings = kafka_settings(broker.bootstrap)
    await ensure_topics(settings, [topic], partitions=1)
    producer = create_producer(settings)
    await producer.start()
    relay = OutboxRelay(pool, producer, settings, service="test")
    try:
        await write_events(pool, topic, range(3))
        while await relay.publish_batch():
            pass
        assert await relay.recover_lost() == 0  # the check's consumer now exists
        stop_tansu(broker)
        broker = start_tansu(port, workdir / f"tansu-{port}.log")
        await ensure_topics(settings, [topic], partitions=1)
        assert await relay.recover_lost() == 3
        while await relay.publish_batch():
            pass
        records = await read_all(broker.bootstrap, topic)
        assert sorted(decode(r.value, r.headers).data["n"] for r in records) == [0, 1, 2]
    finally:
        await relay.stop()
        await producer.stop()
        stop_tansu(broker)


async def test_an_event_over_the_size_limit_is_refused_at_the_write_and_nothing_commits(
    pool: Pool, topic: str
) -> None:
    big = CloudEvent.new(
        type="thing.happened", source="urn:test", subject="agg", data={"text": "x" * 1_100_000}
    )

    async def change_with_its_event() -> None:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("INSERT INTO effects (event_id, body) VALUES ('e', '{}')")
            await enqueue_event(conn, big, topic=topic)

    with pytest.raises(PayloadTooLarge):
        await change_with_its_event()
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0
    assert await pool.fetchval("SELECT count(*) FROM effects") == 0


async def insert_raw(pool: Pool, topic: str, ev: CloudEvent) -> None:
    """A row as an older writer (without the size check) would have left it."""
    await pool.execute(
        "INSERT INTO outbox (event_id, topic, key, event) VALUES ($1, $2, $3, $4)",
        ev.id,
        topic,
        ev.subject,
        json.loads(ev.model_dump_json()),
    )


async def test_a_row_the_broker_cannot_take_is_parked_and_the_stream_keeps_flowing(
    pool: Pool, producer: AIOKafkaProducer, kafka_bootstrap: str, topic: str
) -> None:
    settings = kafka_settings(kafka_bootstrap)
    await ensure_topics(settings, [topic], partitions=1)
    huge = CloudEvent.new(
        type="thing.happened", source="urn:test", subject="a", data={"n": 1, "pad": "x" * 5000}
    )
    await insert_raw(pool, topic, huge)
    await insert_raw(pool, topic, event(2, subject="a"))  # same aggregate: must wait behind it
    await insert_raw(pool, topic, event(3, subject="b"))  # another aggregate: flows on
    relay = OutboxRelay(pool, producer, settings, service="test", max_event_bytes=4000)
    for _ in range(3):
        await relay.publish_batch()
    records = await read_all(kafka_bootstrap, topic)
    assert [decode(r.value, r.headers).data["n"] for r in records] == [3]
    async with pool.acquire() as conn:
        (parked,) = await parked_rows(conn)
        assert parked["event_id"] == huge.id
        assert "exceeds the limit" in parked["park_error"]
        assert await parked_count(conn) == 1
    await relay.observe()
    assert OUTBOX_PARKED.labels("test")._value.get() == 1
    assert OUTBOX_PENDING.labels("test")._value.get() == 1  # n=2, waiting behind the parked row

    # The operator raises the limit and replays: both go out, in their order.
    relay.max_event_bytes = 1_000_000
    async with pool.acquire() as conn, conn.transaction():
        assert await replay_parked(conn) == 1
    while await relay.publish_batch():
        pass
    records = await read_all(kafka_bootstrap, topic)
    assert [decode(r.value, r.headers).data["n"] for r in records] == [3, 1, 2]
    async with pool.acquire() as conn:
        assert await parked_count(conn) == 0


async def test_parked_rows_make_readiness_degraded_but_still_serving(
    pool: Pool, topic: str
) -> None:
    from meriter_shared.http import readiness_response

    class FakeRuntime:
        async def readiness(self) -> dict[str, bool]:
            return {"postgres": True}

        async def degradations(self) -> dict[str, int]:
            async with pool.acquire() as conn:
                n = await parked_count(conn)
            return {"outbox_parked": n} if n else {}

    await insert_raw(pool, topic, event(1))
    await pool.execute("UPDATE outbox SET parked_at = now(), park_error = 'refused'")
    response = await readiness_response(FakeRuntime())  # type: ignore[arg-type]
    assert response.status_code == 200
    assert json.loads(bytes(response.body)) == {
        "status": "degraded",
        "checks": {"postgres": True},
        "degraded": {"outbox_parked": 1},
    }


async def test_the_relay_reads_its_batch_along_the_index_whatever_the_statistics_say(
    pool: Pool,
) -> None:
    # A burst lands between two ANALYZEs: thousands of rows the statistics do
    # not know about, most of them already published (moved out, leaving dead
    # row versions behind in the queue).
    await pool.execute(
        "INSERT INTO outbox (event_id, topic, key, event) "
        "SELECT 'e' || n, 't', 'k' || n, '{}'::jsonb FROM generate_series(1, 10000) AS n"
    )
    await pool.execute("DELETE FROM outbox WHERE seq < (SELECT min(seq) FROM outbox) + 7999")
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(PENDING_PLAN)
        plan = "\n".join(r[0] for r in await conn.fetch("EXPLAIN " + PENDING.replace("$1", "2000")))
        first = await conn.fetch(PENDING, 5)
        keys = await conn.fetch(PENDING_EVENTS, [r["seq"] for r in first])
    assert "Index Scan using outbox_pkey on outbox o" in plan, plan
    assert "Sort" not in plan, plan
    assert "Bitmap" not in plan, plan
    assert [r["key"] for r in keys] == [f"k{n}" for n in range(8000, 8005)]


async def test_many_events_enqueued_at_once_keep_their_order_and_their_content(
    pool: Pool,
) -> None:
    things = [ThingHappened(n=n, agg=f"a{n % 3}") for n in range(50)]
    async with pool.acquire() as conn, conn.transaction():
        await enqueue_many(conn, things)
    rows = await pool.fetch("SELECT topic, key, event FROM outbox ORDER BY seq")
    assert [(r["topic"], r["key"]) for r in rows] == [("test.events", t.agg) for t in things]
    events = [CloudEvent.model_validate(r["event"]) for r in rows]
    assert [e.data for e in events] == [{"n": t.n, "agg": t.agg} for t in things]
    assert {e.type for e in events} == {"thing.happened"}
    assert len({e.id for e in events}) == 50


async def test_enqueue_many_outside_a_transaction_is_refused(pool: Pool) -> None:
    async with pool.acquire() as conn:
        with pytest.raises(RuntimeError, match="inside the change's transaction"):
            await enqueue_many(conn, [ThingHappened(n=1)])


async def test_a_batch_takes_only_as_many_events_as_its_weight_allows_and_the_rest_follow(
    pool: Pool, producer: AIOKafkaProducer, kafka_bootstrap: str, topic: str
) -> None:
    settings = await queued(pool, kafka_bootstrap, topic, range(6))
    size = await pool.fetchval("SELECT max(pg_column_size(event)) FROM outbox")
    # Room for two events a batch (a batch always takes at least one).
    relay = OutboxRelay(pool, producer, settings, service="test", max_batch_bytes=2 * size)
    handled = [await relay.publish_batch() for _ in range(3)]
    assert handled == [2, 2, 2]
    assert await relay.publish_batch() == 0
    records = await read_all(kafka_bootstrap, topic)
    assert [json.loads(r.value or b"")["n"] for r in records] == [0, 1, 2, 3, 4, 5]
    # One event heavier than the bound still goes, alone.
    await write_events(pool, topic, [6, 7])
    tiny = OutboxRelay(pool, producer, settings, service="test", max_batch_bytes=1)
    assert [await tiny.publish_batch() for _ in range(2)] == [1, 1]
    assert await published_count(pool) == 8


async def test_a_relay_whose_batch_was_cut_by_weight_goes_on_without_waiting(
    pool: Pool, producer: AIOKafkaProducer, kafka_bootstrap: str, topic: str
) -> None:
    settings = await queued(pool, kafka_bootstrap, topic, range(20))
    # One event a batch and a poll interval far longer than the test's patience:
    # only going on at once publishes them all.
    relay = OutboxRelay(
        pool, producer, settings, service="test", max_batch_bytes=1, poll_interval_s=3600
    )
    await relay.start()
    try:
        assert await eventually(lambda: published_count(pool), lambda c: c == 20, timeout_s=20)
    finally:
        await relay.stop()
