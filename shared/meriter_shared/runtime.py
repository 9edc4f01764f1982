"""What a service holds while it runs, and its start/stop order.

``Runtime.start`` connects in dependency order — database pool, migrations,
Kafka producer, topics, outbox relay, consumers — and ``stop`` undoes it in
reverse. Nothing connects at import time; ``create_app`` builds a Runtime
from settings, and the app's lifespan (or a worker process, ``worker.py``)
starts and stops it.

A process plays one of three roles (``settings.process_role``):
- ``serve``: the HTTP server alone — the pool; writes reach Kafka through the
  outbox, so it needs no producer. Its readiness includes the service's
  workers, as they report through ``worker_heartbeats``.
- ``worker``: consumers and the outbox relay, with a :class:`CpuPool` for
  CPU-bound work (``runtime.cpu``), so signing never stalls an HTTP loop,
  and the service's own background ``tasks`` (a sender loop…): each is
  started after the consumers, cancelled before them on ``stop``, and
  started again after a backoff if it ever fails. It writes a heartbeat
  every ``HEARTBEAT_S``.
- ``all``: both in one process (tests, the simplest deployment).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiokafka import AIOKafkaProducer

from meriter_shared.cpu import CpuPool
from meriter_shared.db.migrations import migrate
from meriter_shared.db.pool import create_pool
from meriter_shared.db.types import Pool
from meriter_shared.events.topics import Topics
from meriter_shared.messaging.consumer import ConsumerRunner, Subscription
from meriter_shared.messaging.kafka import broker_reachable, create_producer, ensure_topics
from meriter_shared.messaging.relay import OutboxRelay, parked_count
from meriter_shared.settings import ServiceSettings

log = logging.getLogger(__name__)
HEARTBEAT_S = 5.0
# A worker whose last heartbeat is older than this is taken for gone.
HEARTBEAT_STALE_S = 20.0


@dataclass
class ConsumerSpec:
    """A consumer group this service runs: its name, topics and typed handlers."""

    name: str
    topics: list[str]
    handlers: Sequence[Subscription[Any]]
    options: dict[str, Any] = field(default_factory=dict)


# A service-owned background task: runs until cancelled, given the started runtime.
BackgroundTask = Callable[["Runtime"], Awaitable[None]]


class Runtime:
    def __init__(
        self,
        settings: ServiceSettings,
        *,
        migrations: str | Sequence[str],
        consumers: list[ConsumerSpec] | None = None,
        relay: bool = True,
        cpu: CpuPool | None = None,
        tasks: Sequence[tuple[str, BackgroundTask]] = (),
    ) -> None:
        self.settings = settings
        self.migrations = (migrations,) if isinstance(migrations, str) else tuple(migrations)
        self.consumer_specs = consumers or []
        self.with_relay = relay
        self._pool: Pool | None = None
        self._producer: AIOKafkaProducer | None = None
        self.relay: OutboxRelay | None = None
        self.consumers: list[ConsumerRunner] = []
        self.role = settings.process_role
        self.cpu = cpu or CpuPool(settings.cpu_processes)
        # A pool the service brings is for work it always does (the issuer signs):
        # started with the workers rather than by the first batch.
        self._warm_cpu = cpu is not None
        self.worker_id = f"{settings.service_name}:{socket.gethostname()}:{os.getpid()}"
        self._heartbeat: asyncio.Task[None] | None = None
        self.task_specs = list(tasks)
        self.tasks: dict[str, asyncio.Task[None]] = {}

    @property
    def runs_workers(self) -> bool:
        """Whether this process runs the consumers and the relay."""
        return self.role in ("all", "worker")

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
        await migrate(self._pool, *self.migrations)
        if self.runs_workers:
            await self._start_workers()
        log.info("runtime started", extra={"service": s.service_name, "role": self.role})

    async def _start_workers(self) -> None:
        s = self.settings
        assert self._pool is not None
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
                retention=timedelta(days=s.outbox_retention_days),
                inbox_retention=timedelta(days=s.inbox_retention_days),
            )
            await self.relay.start()
        if self._warm_cpu:
            await self.cpu.warm()
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
        for name, task in self.task_specs:
            self.tasks[name] = asyncio.create_task(self._keep(name, task), name=name)
        self._heartbeat = asyncio.create_task(self._beat(), name=f"heartbeat-{s.service_name}")

    async def _keep(self, name: str, task: BackgroundTask) -> None:
        """Run ``task`` until cancelled; a failure is logged and it starts again."""
        delay = 0.5
        while True:
            try:
                await task(self)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("background task failed; starting it again", extra={"task": name})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    async def _beat(self) -> None:
        while True:
            with contextlib.suppress(Exception):
                checks = await self.worker_checks()
                await self.pool.execute(
                    "INSERT INTO worker_heartbeats (worker_id, checks, ok, beat_at) "
                    "VALUES ($1, $2, $3, now()) ON CONFLICT (worker_id) DO UPDATE "
                    "SET checks = EXCLUDED.checks, ok = EXCLUDED.ok, beat_at = now()",
                    self.worker_id,
                    checks,
                    all(checks.values()),
                )
            await asyncio.sleep(HEARTBEAT_S)

    async def stop(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
            self._heartbeat = None
            with contextlib.suppress(Exception):
                await self.pool.execute(
                    "DELETE FROM worker_heartbeats WHERE worker_id = $1", self.worker_id
                )
        for running in self.tasks.values():
            running.cancel()
        for running in self.tasks.values():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await running
        self.tasks.clear()
        for runner in reversed(self.consumers):
            await runner.stop()
        self.consumers.clear()
        if self.relay:
            await self.relay.stop()
        if self._producer:
            with contextlib.suppress(Exception):
                await self._producer.stop()
        self.cpu.close()
        if self._pool:
            await self._pool.close()
        log.info("runtime stopped", extra={"service": self.settings.service_name})

    async def worker_checks(self) -> dict[str, bool]:
        """What this process's consumers and relay depend on."""
        return {
            "kafka": self._producer is not None and await broker_reachable(self._producer),
            "consumers": all(c.running for c in self.consumers),
            **({"tasks": all(not t.done() for t in self.tasks.values())} if self.tasks else {}),
        }

    async def degradations(self) -> dict[str, int]:
        """What works but needs an operator: parked outbox rows (see outbox.py)."""
        try:
            async with self.pool.acquire(timeout=2) as conn:
                parked = await parked_count(conn)
        except Exception:
            return {}
        return {"outbox_parked": parked} if parked else {}

    async def readiness(self) -> dict[str, bool]:
        checks: dict[str, bool] = {}
        try:
            async with self.pool.acquire(timeout=2) as conn:
                checks["postgres"] = await conn.fetchval("SELECT true")
                if not self.runs_workers:
                    # The HTTP process is ready when some worker of the service is.
                    checks["workers"] = bool(
                        await conn.fetchval(
                            "SELECT bool_or(ok) FROM worker_heartbeats "
                            "WHERE beat_at > now() - make_interval(secs => $1)",
                            HEARTBEAT_STALE_S,
                        )
                    )
        except Exception:
            checks["postgres"] = False
            if not self.runs_workers:
                checks["workers"] = False
        if self.runs_workers:
            checks.update(await self.worker_checks())
        return checks
