"""The consumer runner: idempotent effects, dead letters, retries, commits."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer, TopicPartition

from meriter_shared.db.types import Connection, Pool
from meriter_shared.events.envelope import CloudEvent, encode
from meriter_shared.events.topics import Topics
from meriter_shared.messaging.consumer import (
    ConsumerRunner,
    Delivery,
    Subscription,
    TransientError,
    on,
    on_batch,
)
from meriter_shared.messaging.kafka import ensure_topics
from support.contracts import ThingHappened
from support.kafka import kafka_settings, read_all
from support.waiting import eventually


def event(n: int) -> CloudEvent:
    return CloudEvent.new(type="thing.happened", source="urn:test", subject="agg", data={"n": n})


async def record_effect(conn: Connection, thing: ThingHappened, ev: CloudEvent) -> None:
    await conn.execute("INSERT INTO effects (event_id, body) VALUES ($1, $2)", ev.id, ev.data)


async def publish(
    producer: AIOKafkaProducer, topic: str, ev: CloudEvent, *, partition: int | None = None
) -> None:
    key, value, headers = encode(ev)
    await producer.send_and_wait(topic, value=value, key=key, headers=headers, partition=partition)


async def effects(pool: Pool) -> list[int]:
    rows = await pool.fetch("SELECT body FROM effects ORDER BY at")
    return [r["body"]["n"] for r in rows]


@pytest.fixture
async def run_consumer(
    pool: Pool, producer: AIOKafkaProducer, kafka_bootstrap: str
) -> AsyncIterator[Callable[..., ConsumerRunner]]:
    runners: list[ConsumerRunner] = []

    def start(
        topic: str, handlers: list[Subscription[Any]], group: str | None = None, **kw: object
    ) -> ConsumerRunner:
        runner = ConsumerRunner(
            name=group or f"g-{uuid.uuid4().hex[:8]}",
            topics=[topic],
            handlers=handlers,
            pool=pool,
            producer=producer,
            kafka=kafka_settings(kafka_bootstrap),
            backoff_initial_s=0.01,
            **kw,  # type: ignore[arg-type]
        )
        runners.append(runner)
        return runner

    yield start
    for r in runners:
        await r.stop()


async def test_an_event_is_applied_once_even_when_delivered_twice(
    pool: Pool,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    topic: str,
    run_consumer: Callable[..., ConsumerRunner],
) -> None:
    await ensure_topics(kafka_settings(kafka_bootstrap), [topic], partitions=1)
    ev = event(1)
    await publish(producer, topic, ev)
    await publish(producer, topic, ev)  # at-least-once: the same event again
    await publish(producer, topic, event(2))
    runner = run_consumer(topic, [on(ThingHappened, record_effect)])
    await runner.start()
    assert await eventually(lambda: effects(pool), lambda e: e == [1, 2])
    assert await pool.fetchval("SELECT count(*) FROM inbox") == 2


async def test_consumer_killed_after_effect_before_commit_applies_the_event_once_on_redelivery(
    pool: Pool,
    fresh_db: str,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    topic: str,
    run_consumer: Callable[..., ConsumerRunner],
) -> None:
    await ensure_topics(kafka_settings(kafka_bootstrap), [topic], partitions=1)
    group = f"crash-{uuid.uuid4().hex[:8]}"
    first = event(1)
    await publish(producer, topic, first)
    script = Path(__file__).with_name("crashing_consumer.py")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        fresh_db,
        kafka_bootstrap,
        topic,
        group,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), 90)
    assert proc.returncode == 17, stderr.decode()[-2000:]
    assert await effects(pool) == [1]  # the effect is durable, the offset was never committed

    seen: list[str] = []
    calls: list[str] = []

    async def counting(conn: Connection, thing: ThingHappened, ev: CloudEvent) -> None:
        calls.append(ev.id)
        await record_effect(conn, thing, ev)

    await publish(producer, topic, event(2))
    runner = run_consumer(
        topic, [on(ThingHappened, counting)], group=group, on_durable=lambda e: seen.append(e.id)
    )
    await runner.start()
    await eventually(lambda: asyncio.sleep(0, result=list(seen)), lambda s: len(s) >= 2)
    assert first.id in seen  # redelivered …
    assert first.id not in calls  # … but recognised, not applied again
    assert await effects(pool) == [1, 2]


async def test_poison_message_goes_to_the_dead_letter_topic_and_the_next_is_processed(
    pool: Pool,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    topic: str,
    run_consumer: Callable[..., ConsumerRunner],
) -> None:
    await ensure_topics(
        kafka_settings(kafka_bootstrap), [topic, Topics.dead_letter(topic)], partitions=1
    )
    await producer.send_and_wait(topic, value=b"not json at all", key=b"agg")
    await publish(producer, topic, event(7))
    runner = run_consumer(topic, [on(ThingHappened, record_effect)])
    await runner.start()
    assert await eventually(lambda: effects(pool), lambda e: e == [7])
    (dead,) = await eventually(
        lambda: read_all(kafka_bootstrap, Topics.dead_letter(topic)), lambda r: len(r) == 1
    )
    headers = dict(dead.headers)
    assert dead.value == b"not json at all"
    assert headers["dlq_stage"] == b"decode"
    assert b"not a CloudEvent" in headers["dlq_error"]
    assert headers["dlq_topic"] == topic.encode()


@pytest.mark.parametrize("batched", [False, True], ids=["one-by-one", "batched"])
async def test_an_event_its_handler_keeps_rejecting_is_dead_lettered_with_the_error(
    batched: bool,
    pool: Pool,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    topic: str,
    run_consumer: Callable[..., ConsumerRunner],
) -> None:
    await ensure_topics(
        kafka_settings(kafka_bootstrap), [topic, Topics.dead_letter(topic)], partitions=1
    )
    attempts: list[int] = []

    async def picky(conn: Connection, thing: ThingHappened, ev: CloudEvent) -> None:
        if thing.n == 1:
            attempts.append(1)
            raise ValueError("n=1 is not allowed")
        await record_effect(conn, thing, ev)

    await publish(producer, topic, event(1))
    await publish(producer, topic, event(2))
    runner = run_consumer(
        topic, [on(ThingHappened, picky)], max_attempts=3, batch_transactions=batched
    )
    await runner.start()
    assert await eventually(lambda: effects(pool), lambda e: e == [2])
    (dead,) = await eventually(
        lambda: read_all(kafka_bootstrap, Topics.dead_letter(topic)), lambda r: len(r) == 1
    )
    assert b"n=1 is not allowed" in dict(dead.headers)["dlq_error"]
    if not batched:  # batched, one more try happens inside the batch's transaction
        assert len(attempts) == 3
    # the failed attempts rolled back: no inbox row, no effect for n=1
    assert await pool.fetchval("SELECT count(*) FROM inbox") == 1


async def test_transient_failures_are_retried_until_the_effect_succeeds(
    pool: Pool,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    topic: str,
    run_consumer: Callable[..., ConsumerRunner],
) -> None:
    await ensure_topics(kafka_settings(kafka_bootstrap), [topic], partitions=1)
    failures = [TransientError("database restarting")] * 5

    async def flaky(conn: Connection, thing: ThingHappened, ev: CloudEvent) -> None:
        if failures:
            raise failures.pop()
        await record_effect(conn, thing, ev)

    await publish(producer, topic, event(3))
    runner = run_consumer(topic, [on(ThingHappened, flaky)], max_attempts=2)
    await runner.start()
    assert await eventually(lambda: effects(pool), lambda e: e == [3])
    assert failures == []


async def test_events_of_unknown_types_are_skipped(
    pool: Pool,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    topic: str,
    run_consumer: Callable[..., ConsumerRunner],
) -> None:
    await ensure_topics(kafka_settings(kafka_bootstrap), [topic], partitions=1)
    await publish(
        producer, topic, CloudEvent.new(type="other.thing", source="urn:test", subject="a", data={})
    )
    await publish(producer, topic, event(4))
    runner = run_consumer(topic, [on(ThingHappened, record_effect)])
    await runner.start()
    assert await eventually(lambda: effects(pool), lambda e: e == [4])


async def test_a_payload_that_breaks_its_contract_is_dead_lettered_at_once_untried(
    pool: Pool,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    topic: str,
    run_consumer: Callable[..., ConsumerRunner],
) -> None:
    await ensure_topics(
        kafka_settings(kafka_bootstrap), [topic, Topics.dead_letter(topic)], partitions=1
    )
    calls: list[int] = []

    async def counting(conn: Connection, thing: ThingHappened, ev: CloudEvent) -> None:
        calls.append(thing.n)
        await record_effect(conn, thing, ev)

    broken = CloudEvent.new(
        type="thing.happened", source="urn:test", subject="agg", data={"n": "not a number"}
    )
    await publish(producer, topic, broken)
    await publish(producer, topic, event(5))
    runner = run_consumer(topic, [on(ThingHappened, counting)], max_attempts=3)
    await runner.start()
    assert await eventually(lambda: effects(pool), lambda e: e == [5])
    (dead,) = await eventually(
        lambda: read_all(kafka_bootstrap, Topics.dead_letter(topic)), lambda r: len(r) == 1
    )
    headers = dict(dead.headers)
    assert headers["dlq_stage"] == b"contract"
    assert b"thing.happened" in headers["dlq_error"]
    assert b"valid integer" in headers["dlq_error"]
    assert calls == [5]  # the broken payload never reached the handler
    assert await pool.fetchval("SELECT count(*) FROM inbox") == 1


async def test_a_batch_handler_gets_a_fetched_batch_in_one_call(
    pool: Pool,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    topic: str,
    run_consumer: Callable[..., ConsumerRunner],
) -> None:
    await ensure_topics(kafka_settings(kafka_bootstrap), [topic], partitions=1)
    sizes: list[int] = []

    async def all_at_once(conn: Connection, batch: Sequence[Delivery[ThingHappened]]) -> None:
        sizes.append(len(batch))
        await conn.executemany(
            "INSERT INTO effects (event_id, body) VALUES ($1, $2)",
            [(d.event.id, d.event.data) for d in batch],
        )

    for n in range(20):
        await publish(producer, topic, event(n))
    runner = run_consumer(topic, [on_batch(ThingHappened, all_at_once)])
    await runner.start()
    assert await eventually(lambda: effects(pool), lambda e: sorted(e) == list(range(20)))
    assert sum(sizes) == 20
    assert max(sizes) > 1  # records fetched together were handed over together


async def test_a_batch_continues_its_first_events_trace_and_links_every_events(
    pool: Pool,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    topic: str,
    run_consumer: Callable[..., ConsumerRunner],
) -> None:
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from meriter_shared.observability.tracing import (
        add_span_processor,
        inject_headers,
        setup_tracing,
    )

    setup_tracing("kernel-test", None)
    assert isinstance(trace.get_tracer_provider(), TracerProvider)
    spans = InMemorySpanExporter()
    add_span_processor(SimpleSpanProcessor(spans))
    await ensure_topics(kafka_settings(kafka_bootstrap), [topic], partitions=1)
    tracer = trace.get_tracer("test")
    sent: list[str] = []
    for n in range(3):
        with tracer.start_as_current_span(f"request {n}") as span:
            sent.append(format(span.get_span_context().trace_id, "032x"))
            ev = event(n).model_copy(update={"extensions": inject_headers()})
            await publish(producer, topic, ev)
    seen: list[str] = []

    async def remember(conn: Connection, batch: Sequence[Delivery[ThingHappened]]) -> None:
        seen.append(inject_headers()["traceparent"].split("-")[1])

    runner = run_consumer(topic, [on_batch(ThingHappened, remember)])
    await runner.start()
    await eventually(lambda: asyncio.sleep(0, len(seen)), lambda n: n > 0)
    assert seen[0] == sent[0]
    batch_span = next(s for s in spans.get_finished_spans() if s.name.startswith("consume batch"))
    linked = {format(link.context.trace_id, "032x") for link in batch_span.links}
    assert linked == set(sent[: len(batch_span.links)])
    assert len(batch_span.links) >= 2  # three events fetched together


async def test_a_batch_claims_its_events_at_once_and_a_copy_in_the_same_batch_is_a_duplicate(
    pool: Pool,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    topic: str,
    run_consumer: Callable[..., ConsumerRunner],
) -> None:
    await ensure_topics(kafka_settings(kafka_bootstrap), [topic], partitions=1)
    seen: list[list[str]] = []

    async def all_at_once(conn: Connection, batch: Sequence[Delivery[ThingHappened]]) -> None:
        seen.append([d.event.id for d in batch])
        await conn.executemany(
            "INSERT INTO effects (event_id, body) VALUES ($1, $2)",
            [(d.event.id, d.event.data) for d in batch],
        )

    first, second = event(1), event(2)
    for ev in (first, first, second, first):  # copies inside one fetch
        await publish(producer, topic, ev)
    runner = run_consumer(topic, [on_batch(ThingHappened, all_at_once)])
    await runner.start()
    assert await eventually(lambda: effects(pool), lambda e: sorted(e) == [1, 2])
    assert sorted(i for batch in seen for i in batch) == sorted([first.id, second.id])
    assert await pool.fetchval("SELECT count(*) FROM inbox") == 2


async def test_a_partition_busy_with_a_batch_does_not_hold_back_another_partitions_records(
    pool: Pool,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    topic: str,
    run_consumer: Callable[..., ConsumerRunner],
) -> None:
    """Each partition has its lane: records fetched after a slow batch of one
    partition are applied (and committed) on another while it is still busy,
    and the busy partition's offset is committed only once its batch is durable."""
    await ensure_topics(kafka_settings(kafka_bootstrap), [topic], partitions=2)
    release = asyncio.Event()
    started = asyncio.Event()

    async def slow_on_zero(conn: Connection, thing: ThingHappened, ev: CloudEvent) -> None:
        if thing.n == 0:
            started.set()
            await release.wait()
        await record_effect(conn, thing, ev)

    await publish(producer, topic, event(0), partition=0)
    group = f"lanes-{uuid.uuid4().hex[:8]}"
    runner = run_consumer(topic, [on(ThingHappened, slow_on_zero)], group=group)
    await runner.start()
    await asyncio.wait_for(started.wait(), 30)
    # fetched while partition 0's batch is still in its handler:
    await publish(producer, topic, event(1), partition=1)
    assert await eventually(lambda: effects(pool), lambda e: e == [1])
    assert runner.consumer is not None
    zero, one = TopicPartition(topic, 0), TopicPartition(topic, 1)
    assert await eventually(lambda: runner.consumer.committed(one), lambda c: c == 1)  # type: ignore[union-attr]
    assert await runner.consumer.committed(zero) is None  # not durable yet, not committed
    release.set()
    assert await eventually(lambda: effects(pool), lambda e: sorted(e) == [0, 1])
    assert await eventually(lambda: runner.consumer.committed(zero), lambda c: c == 1)  # type: ignore[union-attr]
