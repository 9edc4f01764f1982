"""Event backbone throughput: outbox → relay → Kafka (Tansu) → consumer → inbox + effect.

Prints JSON: events per second written to the outbox (in batches of 100 per
transaction), published by the relay, and applied by one consumer (one
transaction per fetched batch, inbox included, a batch handler), end to end on this machine.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from collections.abc import Sequence
from typing import ClassVar

from bench.infra import bench_infra
from meriter_shared.db.migrations import migrate
from meriter_shared.db.outbox import OutboxRelay, enqueue_event
from meriter_shared.db.pool import create_pool
from meriter_shared.db.types import Connection
from meriter_shared.events.contracts import EventPayload
from meriter_shared.events.envelope import CloudEvent
from meriter_shared.messaging.consumer import ConsumerRunner, Delivery, on_batch
from meriter_shared.messaging.kafka import create_producer, ensure_topics
from meriter_shared.settings import KafkaSettings, PostgresSettings


class BenchDone(EventPayload):
    event_type: ClassVar[str] = "bench.done"
    topic: ClassVar[str] = "bench.events"
    source: ClassVar[str] = "urn:bench"
    subject_field: ClassVar[str] = "n"

    n: int


async def run(n: int) -> dict[str, object]:
    with bench_infra("bench") as infra:
        pool = await create_pool(PostgresSettings(dsn=infra.dsn("bench"), pool_max=8))
        await migrate(pool)
        await pool.execute("CREATE TABLE effects (event_id text PRIMARY KEY, n int)")
        kafka = KafkaSettings(
            bootstrap_servers=infra.bootstrap,
            session_timeout_ms=6000,
            heartbeat_interval_ms=500,
            rebalance_timeout_ms=5000,
        )
        topic = f"bench.{uuid.uuid4().hex[:6]}.events"
        await ensure_topics(kafka, [topic], partitions=6)
        producer = create_producer(kafka)
        await producer.start()

        done = asyncio.Event()
        applied = 0

        async def effect(conn: Connection, batch: Sequence[Delivery[BenchDone]]) -> None:
            await conn.executemany(
                "INSERT INTO effects VALUES ($1, $2)", [(d.event.id, d.payload.n) for d in batch]
            )

        def on_durable(_: CloudEvent) -> None:
            nonlocal applied
            applied += 1
            if applied >= n:
                done.set()

        runner = ConsumerRunner(
            name="bench",
            topics=[topic],
            handlers=[on_batch(BenchDone, effect)],
            pool=pool,
            producer=producer,
            kafka=kafka,
            on_durable=on_durable,
        )
        await runner.start()
        await asyncio.sleep(4)  # let the group join settle before timing

        t0 = time.perf_counter()
        for start in range(0, n, 100):
            async with pool.acquire() as conn, conn.transaction():
                for i in range(start, min(start + 100, n)):
                    ev = CloudEvent.new(
                        type="bench.done", source="urn:bench", subject=f"a{i % 997}", data={"n": i}
                    )
                    await enqueue_event(conn, ev, topic=topic)
        t_write = time.perf_counter() - t0

        relay = OutboxRelay(pool, producer, kafka, service="bench", poll_interval_s=0.05)
        t1 = time.perf_counter()
        await relay.start()
        while await pool.fetchval("SELECT count(*) FROM outbox"):
            await asyncio.sleep(0.05)
        t_publish = time.perf_counter() - t1
        await asyncio.wait_for(done.wait(), 600)
        t_end = time.perf_counter() - t0
        await relay.stop()
        await runner.stop()
        await producer.stop()
        await pool.close()
        return {
            "benchmark": "event backbone (outbox → Tansu → consumer with inbox)",
            "events": n,
            "outbox_writes_per_s": round(n / t_write),
            "relay_publish_per_s": round(n / t_publish),
            "end_to_end_applied_per_s": round(n / t_end),
        }


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    print(json.dumps(asyncio.run(run(n)), indent=2))


if __name__ == "__main__":
    main()
