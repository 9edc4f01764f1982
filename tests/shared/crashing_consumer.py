"""A consumer process that dies right after an event's effect is durable.

Run by test_consumer_runner: it applies the first event it receives (effect
and inbox row committed together) and then exits at once, before the runner
commits the Kafka offset — the worst moment for a crash.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for support

from meriter_shared.db.pool import create_pool
from meriter_shared.db.types import Connection
from meriter_shared.events.envelope import CloudEvent
from meriter_shared.messaging.consumer import ConsumerRunner, on
from meriter_shared.messaging.kafka import create_producer
from meriter_shared.settings import KafkaSettings, PostgresSettings
from support.contracts import ThingHappened


async def record_effect(conn: Connection, thing: ThingHappened, event: CloudEvent) -> None:
    await conn.execute("INSERT INTO effects (event_id, body) VALUES ($1, $2)", event.id, event.data)


def die(_: CloudEvent) -> None:
    os._exit(17)


async def main(dsn: str, bootstrap: str, topic: str, group: str) -> None:
    pool = await create_pool(PostgresSettings(dsn=dsn))
    kafka = KafkaSettings(
        bootstrap_servers=bootstrap,
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
        rebalance_timeout_ms=5000,
    )
    producer = create_producer(kafka)
    await producer.start()
    runner = ConsumerRunner(
        name=group,
        topics=[topic],
        handlers=[on(ThingHappened, record_effect)],
        pool=pool,
        producer=producer,
        kafka=kafka,
        on_durable=die,
    )
    await runner.start()
    await asyncio.sleep(120)  # the test kills us long before


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
