"""Producer and topic set-up.

The producer is at-least-once (acks=all, retries) and deliberately not
idempotent or transactional: Tansu, the one-machine broker, does not grant
producer ids, and exactly-once comes from the outbox + inbox instead.
"""

from __future__ import annotations

import contextlib
import logging

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from meriter_shared.settings import KafkaSettings

log = logging.getLogger(__name__)


def create_producer(settings: KafkaSettings, *, client_suffix: str = "") -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers,
        client_id=settings.client_id + client_suffix,
        acks="all",
        enable_idempotence=False,
        linger_ms=2,
        request_timeout_ms=settings.request_timeout_ms,
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
