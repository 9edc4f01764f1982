"""Producer and topic set-up.

The producer is at-least-once (acks=all, retries) and deliberately not
idempotent or transactional: Tansu, the one-machine broker, does not grant
producer ids, and exactly-once comes from the outbox + inbox instead.
"""

from __future__ import annotations

import contextlib
import logging
import random
import struct
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from meriter_shared.settings import KafkaSettings

log = logging.getLogger(__name__)


def murmur2(data: bytes) -> int:
    """Kafka's murmur2 of a record key (the Java client's ``Utils.murmur2``, unsigned):
    aiokafka's own, four bytes per step instead of one — the relay hashes every key."""
    length = len(data)
    m = 0x5BD1E995
    h = 0x9747B28C ^ length
    n4 = length & ~3
    for (k,) in struct.iter_unpack("<I", memoryview(data)[:n4]):
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> 24
        h = ((h * m) & 0xFFFFFFFF) ^ ((k * m) & 0xFFFFFFFF)
    extra = length & 3
    if extra >= 3:
        h ^= data[n4 + 2] << 16
    if extra >= 2:
        h ^= data[n4 + 1] << 8
    if extra >= 1:
        h = ((h ^ data[n4]) * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    return h ^ (h >> 15)


def partition_for(
    key: bytes | None, all_partitions: Sequence[int], available: Sequence[int]
) -> int:
    """Kafka's default partitioner: a key's partition is the Java client's (so other
    producers of a topic agree on where an aggregate lives); no key, any live one."""
    if key is None:
        return random.choice(available or all_partitions)
    return all_partitions[(murmur2(key) & 0x7FFFFFFF) % len(all_partitions)]


def create_producer(settings: KafkaSettings, *, client_suffix: str = "") -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers,
        client_id=settings.client_id + client_suffix,
        acks="all",
        enable_idempotence=False,
        linger_ms=2,
        max_batch_size=settings.producer_batch_bytes,
        request_timeout_ms=settings.request_timeout_ms,
        partitioner=partition_for,
    )


async def ensure_topics(
    settings: KafkaSettings, topics: list[str], *, partitions: int = 6, replication: int = 1
) -> None:
    """Create the topics that do not exist yet (idempotent)."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.bootstrap_servers, client_id=settings.client_id + "-admin"
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(t, partitions, replication) for t in topics if t not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
            log.info("topics created", extra={"topics": [t.name for t in missing]})
    finally:
        await admin.close()


async def broker_reachable(producer: AIOKafkaProducer) -> bool:
    try:
        await producer.client.fetch_all_metadata()
    except Exception:
        return False
    return True
