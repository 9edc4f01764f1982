"""The consumer runner: batches in, effects durable, then offsets out.

Handlers are declared with the payload contract they take
(``on(InstitutionRegistered, handle)`` or, for a whole batch at once,
``on_batch(...)``) and receive the payload decoded. For every record the
runner:
1. decodes the CloudEvent (a record that is not one is poison);
2. finds the subscription for its type (unknown types are skipped: consumers
   ignore what they don't know) and validates the payload against its
   contract — a payload that breaks it is poison too, dead-lettered at once
   with the validation error, never retried;
3. in ONE database transaction claims the event id in the inbox and runs the
   handler, so the effect and the "handled" mark commit together;
4. retries transient failures (database or broker unreachable, serialization
   conflicts) with capped exponential backoff for as long as it takes, and
   any other failure up to ``max_attempts`` before dead-lettering it.
Each partition has a lane: a task applying its batches one after another,
in order, while the lanes of other partitions and the next fetch go on
beside it (a bounded number of records in flight), so no partition waits
for another's batch. A lane commits its partition's offset only after the
batch is durable — applied, recognised as a duplicate, skipped or safely on
the dead-letter topic — so a crash at any point means redelivery, never
loss; the inbox makes redelivery harmless. Trace context in the record's
headers becomes the parent of the handler's span; a batch's span continues
its first record's trace and links every record's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import traceback
from collections.abc import Callable, Sequence
from typing import Any

import asyncpg
from aiokafka import (
    AIOKafkaConsumer,
    AIOKafkaProducer,
    ConsumerRebalanceListener,
    ConsumerRecord,
    TopicPartition,
)
from aiokafka.errors import KafkaConnectionError, KafkaError
from opentelemetry import trace
from pydantic import ValidationError

from meriter_shared.db.inbox import claim_many
from meriter_shared.db.types import Connection, Pool
from meriter_shared.events.envelope import CloudEvent, decode, header_dict
from meriter_shared.events.topics import Topics
from meriter_shared.messaging.subscriptions import (
    BatchHandler,
    ContractViolation,
    Delivery,
    Handler,
    Subscription,
    TransientError,
    on,
    on_batch,
)
from meriter_shared.observability.metrics import CONSUMER_LAG, EVENTS_CONSUMED
from meriter_shared.observability.tracing import extract_context
from meriter_shared.settings import KafkaSettings

__all__ = [
    "TRANSIENT",
    "BatchHandler",
    "ConsumerRunner",
    "ContractViolation",
    "Delivery",
    "Handler",
    "Subscription",
    "TransientError",
    "on",
    "on_batch",
]

log = logging.getLogger(__name__)

_tracer = trace.get_tracer(__name__)
# The envelope, and the subscription with the decoded delivery (None: no handler).
Decoded = tuple[CloudEvent, tuple[Subscription[Any], Delivery[Any]] | None]


TRANSIENT: tuple[type[BaseException], ...] = (
    TransientError,
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.InterfaceError,
    KafkaConnectionError,
)


class _Lane:
    """A partition's batches, applied one after another by one task."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[list[ConsumerRecord[bytes, bytes]]] = asyncio.Queue()
        self.idle = asyncio.Event()
        self.idle.set()
        self.task: asyncio.Task[None] | None = None


class ConsumerRunner:
    def __init__(
        self,
        *,
        name: str,
        topics: list[str],
        handlers: Sequence[Subscription[Any]],
        pool: Pool,
        producer: AIOKafkaProducer,
        kafka: KafkaSettings,
        max_attempts: int = 3,
        backoff_initial_s: float = 0.1,
        backoff_max_s: float = 10.0,
        on_durable: Callable[[CloudEvent], None] | None = None,
        batch_transactions: bool = True,
        max_poll_records: int | None = None,
    ) -> None:
        """``max_poll_records``: records a fetch hands over at most, for a consumer
        whose work per batch is cheaper per record the bigger the batch (else
        ``kafka.max_poll_records``)."""
        self.name = name
        self.max_poll_records = max_poll_records or kafka.max_poll_records
        self.topics = topics
        self.subscriptions: dict[str, Subscription[Any]] = {}
        for sub in handlers:
            if sub.event_type in self.subscriptions:
                raise ValueError(f"{name} subscribes twice to {sub.event_type}")
            self.subscriptions[sub.event_type] = sub
        self.pool = pool
        self.producer = producer
        self.kafka = kafka
        self.max_attempts = max_attempts
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self.on_durable = on_durable
        self.batch_transactions = batch_transactions
        self.consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.assigned = asyncio.Event()
        self._lanes: dict[TopicPartition, _Lane] = {}
        # Records fetched and not yet durable: the next fetch waits below this.
        self._in_flight = 0
        self._max_in_flight = 2 * self.max_poll_records
        self._room = asyncio.Event()
        self._room.set()

    async def start(self) -> None:
        runner = self

        class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
            async def on_partitions_revoked(self, revoked: object) -> None:
                await runner._drain(revoked)  # type: ignore[arg-type]

            async def on_partitions_assigned(self, assigned: object) -> None:
                runner.assigned.set()

        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=self.kafka.bootstrap_servers,
            client_id=f"{self.kafka.client_id}-{self.name}",
            group_id=self.name,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=self.kafka.session_timeout_ms,
            heartbeat_interval_ms=self.kafka.heartbeat_interval_ms,
            rebalance_timeout_ms=self.kafka.rebalance_timeout_ms,
            max_poll_records=self.max_poll_records,
            request_timeout_ms=self.kafka.request_timeout_ms,
        )
        self.consumer.subscribe(self.topics, listener=_Listener())
        await self.consumer.start()
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.name}")

    async def stop(self) -> None:
        self._stopping = True
        tasks = [self._task, *(lane.task for lane in self._lanes.values())]
        for task in tasks:
            if task is not None:
                task.cancel()
        for task in tasks:
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._lanes.clear()
        if self.consumer:
            with contextlib.suppress(Exception):
                await self.consumer.stop()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        assert self.consumer is not None
        while not self._stopping:
            await self._room.wait()
            try:
                batch = await self.consumer.getmany(timeout_ms=500)
            except KafkaError:
                log.warning("fetch failed; retrying", extra={"consumer": self.name})
                await asyncio.sleep(1.0)
                continue
            if not batch:
                continue
            # Partitions are independent (an aggregate lives on one), so each
            # goes on in its own lane: while one waits on the CPU pool another
            # writes to the database, and none waits for the slowest.
            for tp, records in batch.items():
                self._lane(tp).queue.put_nowait(records)
                self._in_flight += len(records)
            if self._in_flight >= self._max_in_flight:
                self._room.clear()
            await self._observe_lag()

    def _lane(self, tp: TopicPartition) -> _Lane:
        lane = self._lanes.get(tp)
        if lane is None:
            lane = self._lanes[tp] = _Lane()
            lane.task = asyncio.create_task(
                self._apply_lane(tp, lane), name=f"consumer-{self.name}-{tp.partition}"
            )
        return lane

    async def _apply_lane(self, tp: TopicPartition, lane: _Lane) -> None:
        while True:
            records = await lane.queue.get()
            lane.idle.clear()
            # What arrived while the last batch was applied goes in one batch:
            # under load batches grow, and their fixed costs shrink per record.
            while not lane.queue.empty() and len(records) < self.max_poll_records:
                records = records + lane.queue.get_nowait()
            try:
                await self._partition(records)
                await self._commit({tp: records[-1].offset + 1})
            except Exception:
                # Not a record's failure (those are retried or dead-lettered):
                # the runner itself is broken. It stops, and says so in /health.
                log.exception("consumer lane failed", extra={"consumer": self.name})
                if self._task is not None:
                    self._task.cancel()
                raise
            finally:
                self._in_flight -= len(records)
                if self._in_flight < self._max_in_flight:
                    self._room.set()
                if lane.queue.empty():
                    lane.idle.set()

    async def _drain(self, revoked: Sequence[TopicPartition] | set[TopicPartition]) -> None:
        """Partitions taken away: their waiting batches are dropped (the new owner
        fetches them again), the batch being applied finishes and is committed."""
        for tp in list(revoked):
            lane = self._lanes.pop(tp, None)
            if lane is None:
                continue
            while not lane.queue.empty():
                self._in_flight -= len(lane.queue.get_nowait())
            await lane.idle.wait()
            if lane.task is not None:
                lane.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await lane.task
        if self._in_flight < self._max_in_flight:
            self._room.set()

    async def _partition(self, records: list[ConsumerRecord[bytes, bytes]]) -> None:
        if self.batch_transactions and len(records) > 1:
            await self._process_batch(records)
        else:
            for record in records:
                await self._process(record)

    async def _commit(self, offsets: dict[TopicPartition, int]) -> None:
        assert self.consumer is not None
        delay = self.backoff_initial_s
        while True:
            try:
                await self.consumer.commit(offsets)
                return
            except KafkaError as exc:
                # A rebalance may have moved the partitions; the records will be
                # redelivered to their new owner and recognised by the inbox.
                log.warning(
                    "offset commit failed", extra={"consumer": self.name, "error": repr(exc)}
                )
                if not isinstance(exc, KafkaConnectionError):
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.backoff_max_s)

    def _decode(self, record: ConsumerRecord[bytes, bytes]) -> Decoded:
        """Envelope, subscription and payload; raises for a poison record."""
        event = decode(record.value, record.headers)
        sub = self.subscriptions.get(event.type)
        if sub is None:
            return event, None
        try:
            payload = sub.contract.model_validate(event.data)
        except ValidationError as exc:
            raise ContractViolation(f"{event.type}: {exc}") from exc
        return event, (sub, Delivery(event, payload))

    async def _handle(
        self, conn: Connection, deliveries: Sequence[tuple[Subscription[Any], Delivery[Any]]]
    ) -> list[tuple[CloudEvent, str]]:
        """Claim each event and run handlers over consecutive runs of one subscription."""
        outcomes: list[tuple[CloudEvent, str]] = []
        run: list[Delivery[Any]] = []
        run_sub: Subscription[Any] | None = None
        fresh = await claim_many(conn, self.name, [d.event.id for _, d in deliveries])
        for sub, delivery in deliveries:
            if delivery.event.id not in fresh:
                outcomes.append((delivery.event, "duplicate"))
                continue
            fresh.discard(delivery.event.id)  # a second copy in this batch is a duplicate
            outcomes.append((delivery.event, "handled"))
            if run_sub is not None and sub is not run_sub:
                await run_sub.handle(conn, run)
                run = []
            run_sub = sub
            run.append(delivery)
        if run_sub is not None and run:
            await run_sub.handle(conn, run)
        return outcomes

    async def _process_batch(self, records: list[ConsumerRecord[bytes, bytes]]) -> None:
        """Apply a partition's batch in one transaction; on any failure, one by one.

        One commit for many events is what makes the backbone fast; the
        fallback keeps the per-event guarantees (retries, dead letters) for
        the batch that contains a failing event, since the whole batch
        transaction rolled back and nothing of it was applied.
        """
        todo: list[tuple[ConsumerRecord[bytes, bytes], Subscription[Any], Delivery[Any]]] = []
        for record in records:
            try:
                event, handled = self._decode(record)
            except Exception:
                todo = []
                break
            if handled is None:
                EVENTS_CONSUMED.labels(self.name, event.type, "ignored").inc()
                continue
            todo.append((record, *handled))
        else:
            try:
                contexts = [extract_context(header_dict(r.headers)) for r, _, _ in todo]
                links = [trace.Link(trace.get_current_span(c).get_span_context()) for c in contexts]
                # The batch span continues its first event's trace and links
                # every event's: what the batch causes (events it enqueues)
                # stays in one trace with the request that began it.
                with _tracer.start_as_current_span(
                    f"consume batch of {len(todo)}",
                    context=contexts[0] if contexts else None,
                    kind=trace.SpanKind.CONSUMER,
                    links=links,
                ):
                    async with self.pool.acquire() as conn, conn.transaction():
                        outcomes = await self._handle(conn, [(s, d) for _, s, d in todo])
            except Exception as exc:
                log.info(
                    "batch failed; applying its events one by one",
                    extra={"consumer": self.name, "error_type": type(exc).__name__},
                )
            else:
                for event, outcome in outcomes:
                    EVENTS_CONSUMED.labels(self.name, event.type, outcome).inc()
                    if self.on_durable is not None:
                        self.on_durable(event)
                return
        for record in records:
            await self._process(record)

    async def _process(self, record: ConsumerRecord[bytes, bytes]) -> None:
        try:
            event, handled = self._decode(record)
        except ContractViolation as exc:
            await self._dead_letter(record, exc, stage="contract")
            EVENTS_CONSUMED.labels(self.name, "unknown", "dead_lettered").inc()
            return
        except Exception as exc:
            await self._dead_letter(record, exc, stage="decode")
            EVENTS_CONSUMED.labels(self.name, "unknown", "dead_lettered").inc()
            return
        if handled is None:
            EVENTS_CONSUMED.labels(self.name, event.type, "ignored").inc()
            return
        sub, delivery = handled
        attempt = 0
        delay = self.backoff_initial_s
        while True:
            attempt += 1
            try:
                outcome = await self._apply(sub, delivery, record)
                break
            except TRANSIENT as exc:
                log.warning(
                    "transient failure; retrying",
                    extra={"consumer": self.name, "event_id": event.id, "error": repr(exc)},
                )
                attempt = 0
            except Exception as exc:
                if attempt >= self.max_attempts:
                    await self._dead_letter(record, exc, stage="handle")
                    outcome = "dead_lettered"
                    break
                log.warning(
                    "handler failed; retrying",
                    extra={"consumer": self.name, "event_id": event.id, "attempt": attempt},
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.backoff_max_s)
        EVENTS_CONSUMED.labels(self.name, event.type, outcome).inc()
        if self.on_durable is not None:
            self.on_durable(event)

    async def _apply(
        self,
        sub: Subscription[Any],
        delivery: Delivery[Any],
        record: ConsumerRecord[bytes, bytes],
    ) -> str:
        ctx = extract_context(header_dict(record.headers))
        with _tracer.start_as_current_span(
            f"consume {delivery.event.type}",
            context=ctx,
            kind=trace.SpanKind.CONSUMER,
            attributes={"messaging.system": "kafka", "messaging.destination": record.topic},
        ):
            async with self.pool.acquire() as conn, conn.transaction():
                ((_, outcome),) = await self._handle(conn, [(sub, delivery)])
        return outcome

    async def _dead_letter(
        self, record: ConsumerRecord[bytes, bytes], exc: BaseException, *, stage: str
    ) -> None:
        error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000]
        headers = [
            *record.headers,
            ("dlq_consumer", self.name.encode()),
            ("dlq_stage", stage.encode()),
            ("dlq_error", error.encode()),
            ("dlq_topic", record.topic.encode()),
            ("dlq_partition", str(record.partition).encode()),
            ("dlq_offset", str(record.offset).encode()),
        ]
        log.error(
            "dead-lettered a record",
            extra={
                "consumer": self.name,
                "topic": record.topic,
                "offset": record.offset,
                "stage": stage,
                "error_type": type(exc).__name__,
            },
        )
        delay = self.backoff_initial_s
        while True:
            try:
                await self.producer.send_and_wait(
                    Topics.dead_letter(record.topic),
                    value=record.value,
                    key=record.key,
                    headers=headers,
                )
                return
            except KafkaError:
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.backoff_max_s)

    async def _observe_lag(self) -> None:
        assert self.consumer is not None
        for tp in self.consumer.assignment():
            high = self.consumer.highwater(tp)
            if high is None:
                continue
            with contextlib.suppress(Exception):
                position = await self.consumer.position(tp)
                CONSUMER_LAG.labels(self.name, tp.topic, str(tp.partition)).set(
                    max(high - position, 0)
                )
