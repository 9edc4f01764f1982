"""What a service holds while it runs, and its start/stop order.

``Runtime.start`` connects in dependency order — database pool, migrations,
Kafka producer, topics, outbox relay, consumers — and ``stop`` undoes it in
reverse. Nothing connects at import time; ``create_app`` builds a Runtime
from settings, and the app's lifespan starts and stops it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaProducer

from meriter_shared.db.migrations import migrate
from meriter_shared.db.outbox import OutboxRelay
from meriter_shared.db.pool import create_pool
from meriter_shared.db.types import Pool
from meriter_shared.events.topics import Topics
from meriter_shared.messaging.consumer import ConsumerRunner, Subscription
from meriter_shared.messaging.kafka import broker_reachable, create_producer, ensure_topics
from meriter_shared.settings import ServiceSettings

log = logging.getLogger(__name__)


@dataclass
class ConsumerSpec:
    """A consumer group this service runs: its name, topics and typed handlers."""

    name: str
    topics: list[str]
    handlers: Sequence[Subscription[Any]]
    options: dict[str, Any] = field(default_factory=dict)


class Runtime:
    def __init__(
        self,
        settings: ServiceSettings,
        *,
        migrations: str,
        consumers: list[ConsumerSpec] | None = None,
        relay: bool = True,
    ) -> None:
        self.settings = settings
        self.migrations = migrations
        self.consumer_specs = consumers or []
        self.with_relay = relay
        self._pool: Pool | None = None
        self._producer: AIOKafkaProducer | None = None
        self.relay: OutboxRelay | None = None
        self.consumers: list[ConsumerRunner] = []

    @property
    def pool(self) -> Pool:
        if self._pool is None:
            raise RuntimeError("runtime not started")
        return self._pool

    @property
    def producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError("runtime not started")
        return self._producer

    async def start(self) -> None:
        s = self.settings
        self._pool = await create_pool(s.postgres)
        await migrate(self._pool, self.migrations)
        self._producer = create_producer(s.kafka, client_suffix=f"-{s.service_name}")
        await self._producer.start()
        await ensure_topics(s.kafka, Topics.all())
        if self.with_relay:
            self.relay = OutboxRelay(
                self._pool,
                self._producer,
                s.kafka,
                service=s.service_name,
                poll_interval_s=s.outbox_poll_interval_s,
            )
            await self.relay.start()
        for spec in self.consumer_specs:
            runner = ConsumerRunner(
                name=spec.name,
                topics=spec.topics,
                handlers=spec.handlers,
                pool=self._pool,
                producer=self._producer,
                kafka=s.kafka,
                **spec.options,
            )
            await runner.start()
            self.consumers.append(runner)
        log.info("runtime started", extra={"service": s.service_name})

    async def stop(self) -> None:
        for runner in reversed(self.consumers):
            await runner.stop()
        self.consumers.clear()
        if self.relay:
            await self.relay.stop()
        if self._producer:
            with contextlib.suppress(Exception):
                await self._producer.stop()
        if self._pool:
            await self._pool.close()
        log.info("runtime stopped", extra={"service": self.settings.service_name})

    async def readiness(self) -> dict[str, bool]:
        checks: dict[str, bool] = {}
        try:
            async with self.pool.acquire(timeout=2) as conn:
                checks["postgres"] = await conn.fetchval("SELECT true")
        except Exception:
            checks["postgres"] = False
        checks["kafka"] = self._producer is not None and await broker_reachable(self._producer)
        checks["consumers"] = all(c.running for c in self.consumers)
        return checks
