"""The producer's record batches: large enough that a burst is a few pieces per partition."""

from __future__ import annotations

import asyncio

from meriter_shared.messaging.kafka import create_producer
from meriter_shared.settings import KafkaSettings


def test_one_batch_holds_the_configured_bytes_not_the_clients_16_kb() -> None:
    async def fill() -> int:
        # Not started: a batch is built without a broker.
        producer = create_producer(KafkaSettings())
        batch = producer.create_batch()
        appended = 0
        while batch.append(key=b"k", value=b"x" * 1000, timestamp=None) is not None:
            appended += 1
        return appended

    appended = asyncio.run(fill())
    settings = KafkaSettings()
    assert settings.producer_batch_bytes >= 256 * 1024
    assert appended * 1000 > settings.producer_batch_bytes * 0.9
    assert appended * 1000 <= settings.producer_batch_bytes
