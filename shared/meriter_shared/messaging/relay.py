"""The outbox relay: publishes outbox rows to Kafka (at-least-once).

The rows are written by ``meriter_shared.db.outbox`` in the transactions of
the changes they announce. Invariants:
- Only one relay per database publishes at a time (an advisory lock held on
  a dedicated connection), so rows go out in ``seq`` order and one
  aggregate's events stay ordered.
- A row leaves the queue (``outbox``) only after Kafka acknowledged it
  (acks=all): it moves, in one statement, to ``outbox_published`` with the
  (partition, offset) Kafka gave it, and is kept there for ``retention``
  (purged oldest first in bounded batches). No row is updated in place, so
  a burst leaves the queue no dead row versions to chase but the moved ones.
- A broker that forgot its log (Tansu keeps data in memory; a recreated
  topic) is noticed in two ways: at start, a partition whose end offset is
  not beyond the highest offset we recorded; while running, an ack at an
  offset we had already recorded. Either way the retained rows at or beyond
  the broker's end move back into the queue and go out again. Consumers are
  idempotent (inbox), so a replay changes nothing that was already applied.
  This assumes each topic has one producing service, which ``Topics`` keeps.
- A relay batch holds at most ``batch_size`` rows and ``max_batch_bytes`` of
  stored events (at least one row), so the relay's memory stays bounded
  whatever the events weigh; a batch cut short is followed at once.
- The outbox never jams. A row the broker refuses for a reason retrying
  will not cure (``KafkaError.retriable`` false, or larger than the relay's
  limit) is parked with its error; later rows of the same aggregate (topic,
  key) wait behind it so their order holds, every other row goes on. Parked
  rows show in ``meriter_outbox_parked``, make ``/readyz`` say "degraded",
  and are listed and replayed with ``meriter-<service> outbox
  list|replay``. ``meriter_outbox_pending`` tells the rows waiting, from two
  probes of the queue's key (no count of a table on a timer).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from meriter_shared.db import inbox
from meriter_shared.db.outbox import MAX_EVENT_BYTES, NOTIFY_CHANNEL, OutboxRow, wire_size
from meriter_shared.db.types import Connection, Pool
from meriter_shared.events.envelope import CloudEvent, encode
from meriter_shared.messaging.outbox_sql import (
    PENDING,
    PENDING_EVENTS,
    PENDING_PLAN,
    PENDING_SPAN,
    PUBLISHED,
    PUBLISHED_HIGHS,
    PURGE,
    UNPUBLISH,
)
from meriter_shared.observability.metrics import (
    OUTBOX_PARKED,
    OUTBOX_PENDING,
    OUTBOX_PUBLISHED,
    OUTBOX_REPLAYED,
)
from meriter_shared.settings import KafkaSettings

__all__ = [
    "PENDING",
    "PENDING_EVENTS",
    "PENDING_PLAN",
    "PENDING_SPAN",
    "PUBLISHED",
    "PUBLISHED_HIGHS",
    "PURGE",
    "UNPUBLISH",
    "OutboxRelay",
    "parked_count",
    "parked_rows",
    "replay_parked",
]

log = logging.getLogger(__name__)
_RELAY_LOCK = 0x6F7574626F78  # "outbox"


class OutboxRelay:
    """Publishes outbox rows to Kafka; run one per service process."""

    def __init__(
        self,
        pool: Pool,
        producer: AIOKafkaProducer,
        kafka: KafkaSettings,
        *,
        service: str,
        batch_size: int = 2000,
        poll_interval_s: float = 0.5,
        retention: timedelta = timedelta(days=7),
        inbox_retention: timedelta = timedelta(days=14),
        broker_check_interval_s: float = 30.0,
        max_event_bytes: int = MAX_EVENT_BYTES,
        max_batch_bytes: int = 8 * 1024 * 1024,
    ) -> None:
        self.pool = pool
        self.producer = producer
        self.kafka = kafka
        self.service = service
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.retention = retention
        self.inbox_retention = inbox_retention
        self.broker_check_interval_s = broker_check_interval_s
        self.max_event_bytes = max_event_bytes
        # What one batch's events may weigh as stored (at least one row goes):
        # the relay's memory stays bounded whatever the events weigh.
        self.max_batch_bytes = max_batch_bytes
        self._cut = False  # the last batch left rows behind for its weight
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._high: dict[tuple[str, int], int] = {}
        self._offsets_consumer: AIOKafkaConsumer | None = None
        self._reader_consumer: AIOKafkaConsumer | None = None
        self.is_leader = False

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"outbox-relay-{self.service}")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._close_offsets_consumer()

    def wake(self, *_: object) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self._lead()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay failed; retrying", extra={"service": self.service})
                self.is_leader = False
                await asyncio.sleep(1.0)

    async def _lead(self) -> None:
        async with self.pool.acquire() as lock_conn:
            while not await lock_conn.fetchval("SELECT pg_try_advisory_lock($1)", _RELAY_LOCK):
                await asyncio.sleep(self.poll_interval_s * 4)
            self.is_leader = True
            await lock_conn.add_listener(NOTIFY_CHANNEL, self.wake)
            try:
                await self.recover_lost()
                loop = asyncio.get_running_loop()
                next_check = loop.time() + self.broker_check_interval_s
                next_observation = loop.time()
                while not self._stopping:
                    published = await self.publish_batch()
                    if loop.time() >= next_observation:
                        await self.observe()
                        next_observation = loop.time() + 1.0
                    if loop.time() >= next_check:
                        await self.recover_lost()
                        await self.purge()
                        next_check = loop.time() + self.broker_check_interval_s
                    if published < self.batch_size and not self._cut:
                        self._wake.clear()
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self._wake.wait(), self.poll_interval_s)
            finally:
                self.is_leader = False
                await self._close_offsets_consumer()
                with contextlib.suppress(Exception):
                    await lock_conn.remove_listener(NOTIFY_CHANNEL, self.wake)
                    await lock_conn.execute("SELECT pg_advisory_unlock($1)", _RELAY_LOCK)

    async def publish_batch(self) -> int:
        """Publish up to ``batch_size`` unpublished rows; return how many were handled.

        A row refused for good is parked and the rows of its aggregate behind
        it in this batch are left for later (they wait behind the parked row);
        a transient failure leaves the row and everything after it for the
        next batch, so nothing overtakes it.
        """
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(PENDING_PLAN)
            pending = await conn.fetch(PENDING, self.batch_size)
            if not pending:
                return 0
            seqs: list[int] = []
            weight = 0
            for row in pending:
                weight += row["size"]
                if seqs and weight > self.max_batch_bytes:
                    break  # the rest stay for the next batch
                seqs.append(row["seq"])
            self._cut = len(seqs) < len(pending)
            rows = [OutboxRow.of(r) for r in await conn.fetch(PENDING_EVENTS, seqs)]
            parked: dict[int, str] = {}
            blocked: set[tuple[str, str]] = set()
            sent: list[tuple[OutboxRow, asyncio.Future[Any]]] = []
            for row in rows:
                aggregate = (row.topic, row.key)
                if aggregate in blocked:
                    continue
                event = CloudEvent.model_validate(row.event)
                key, value, headers = encode(event)
                size = wire_size(key, value, headers)
                try:
                    if size > self.max_event_bytes:
                        raise ValueError(
                            f"event of {size} bytes exceeds the limit of {self.max_event_bytes}"
                        )
                    future = await self.producer.send(
                        row.topic, value=value, key=row.key.encode(), headers=headers
                    )
                except (ValueError, KafkaError) as exc:
                    if isinstance(exc, KafkaError) and exc.retriable:
                        break
                    parked[row.seq] = f"{type(exc).__name__}: {exc}"[:2000]
                    blocked.add(aggregate)
                    continue
                sent.append((row, future))
            results = await asyncio.gather(*(f for _, f in sent), return_exceptions=True)
            done: list[tuple[OutboxRow, Any]] = []
            for (row, _), result in zip(sent, results, strict=True):
                if isinstance(result, KafkaError) and not result.retriable:
                    parked[row.seq] = f"{type(result).__name__}: {result}"[:2000]
                elif isinstance(result, BaseException):
                    # Retrying the whole batch keeps each aggregate's order (the
                    # rows after this one may be out already; the inbox makes the
                    # copies harmless).
                    raise result
                else:
                    done.append((row, result))
            if parked:
                await conn.execute(
                    "UPDATE outbox o SET parked_at = now(), park_error = u.e "
                    "FROM unnest($1::bigint[], $2::text[]) AS u(s, e) WHERE o.seq = u.s",
                    list(parked),
                    list(parked.values()),
                )
                log.error(
                    "outbox rows parked: the broker refuses them",
                    extra={"service": self.service, "rows": len(parked)},
                )
            rows = [r for r, _ in done]
            acks = [a for _, a in done]
            seqs = [r.seq for r in rows]
            await conn.execute(
                PUBLISHED, seqs, [a.partition for a in acks], [a.offset for a in acks]
            )
            lowest: dict[tuple[str, int], int] = {}
            per_topic: dict[str, int] = {}
            for row, ack in zip(rows, acks, strict=True):
                tp = (row.topic, ack.partition)
                lowest[tp] = min(lowest.get(tp, ack.offset), ack.offset)
                per_topic[row.topic] = per_topic.get(row.topic, 0) + 1
            for topic, n in per_topic.items():
                OUTBOX_PUBLISHED.labels(self.service, topic).inc(n)
            for tp, low in lowest.items():
                if tp in self._high and low <= self._high[tp]:
                    # The broker handed out an offset we had already seen: its
                    # log was lost. Everything we published there at or after
                    # that offset, before this batch, must go out again.
                    lost = await conn.fetchval(UNPUBLISH, tp[0], tp[1], low, seqs)
                    if lost:
                        log.warning(
                            "broker lost its log; publishing again",
                            extra={"topic": tp[0], "partition": tp[1], "rows": lost},
                        )
                        OUTBOX_REPLAYED.labels(self.service, tp[0]).inc(lost)
            for row, ack in zip(rows, acks, strict=True):
                tp = (row.topic, ack.partition)
                self._high[tp] = max(self._high.get(tp, -1), ack.offset)
        return len(rows) + len(parked)

    async def observe(self) -> None:
        """Set the pending and parked gauges with bounded queries (no count of a table)."""
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(PENDING_PLAN)  # along the key, whatever the statistics say
            pending = await conn.fetchval(PENDING_SPAN)
            parked = await parked_count(conn)
        OUTBOX_PENDING.labels(self.service).set(pending)
        OUTBOX_PARKED.labels(self.service).set(parked)

    async def recover_lost(self) -> int:
        """Mark rows the broker no longer has as unpublished; return how many."""
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(PUBLISHED_HIGHS)
        if not rows:
            self._high = {}
            return 0
        ends = await self._end_offsets({(r["topic"], r["p"]) for r in rows})
        total = 0
        self._high = {}
        for r in rows:
            tp = (r["topic"], r["p"])
            if tp not in ends:
                # Not in the broker's metadata (yet): nothing to tell; the next
                # check sees it, or the broker's loss shows in the offsets it
                # hands out (``publish_batch``).
                self._high[tp] = r["high"]
                continue
            end = ends[tp]
            if end > r["high"]:
                self._high[tp] = r["high"]
                continue
            async with self.pool.acquire() as conn:
                lost = await conn.fetchval(UNPUBLISH, tp[0], tp[1], end, [])
            if end > 0:
                self._high[tp] = end - 1
            if lost:
                total += lost
                OUTBOX_REPLAYED.labels(self.service, tp[0]).inc(lost)
                log.warning(
                    "broker lost events; publishing again",
                    extra={"topic": tp[0], "partition": tp[1], "rows": lost},
                )
        return total

    async def purge(self, batch: int = 10_000) -> int:
        """The leader's housekeeping: drop published rows older than ``retention``
        and inbox rows older than ``inbox_retention``, a bounded batch per
        transaction so no purge holds locks or memory for long; return how many."""
        total = 0
        for statement, kept in ((PURGE, self.retention), (inbox.PURGE, self.inbox_retention)):
            while not self._stopping:
                async with self.pool.acquire() as conn:
                    gone = int(await conn.fetchval(statement, kept, batch))
                total += gone
                if gone < batch:
                    break
        return total

    async def _end_offsets(self, tps: set[tuple[str, int]]) -> dict[tuple[str, int], int]:
        """Each partition's log end, for those the broker's metadata knows.

        Two consumers (no group) serve every check while this relay leads:
        starting them costs a bootstrap and a stall of the service's event loop
        every ``broker_check_interval_s``. The one asking for end offsets is
        never assigned a partition, so its metadata tracks every topic; the one
        reading a partition's last batch (``_log_end``) is assigned each in
        turn, which narrows its own metadata to that topic. Both are dropped
        on any error.
        """
        if self._offsets_consumer is None:
            self._offsets_consumer = await self._new_check_consumer("outbox-check")
        if self._reader_consumer is None:
            self._reader_consumer = await self._new_check_consumer("outbox-check-reader")
        consumer, reader = self._offsets_consumer, self._reader_consumer
        try:
            # Current metadata of every topic (a broker that restarted may hold
            # other partitions); aiokafka's consumer has no public call that
            # refreshes what ``partitions_for_topic`` reads (``topics()`` does not).
            await consumer._client.force_metadata_update()
            known: list[TopicPartition] = []
            for topic, partition in tps:
                parts = consumer.partitions_for_topic(topic) or set()
                if partition in parts:
                    known.append(TopicPartition(topic, partition))
            ends = await consumer.end_offsets(known) if known else {}
            return {
                (tp.topic, tp.partition): await _log_end(reader, tp, reported)
                for tp, reported in ends.items()
            }
        except BaseException:
            await self._close_offsets_consumer()
            raise

    async def _new_check_consumer(self, role: str) -> AIOKafkaConsumer:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.kafka.bootstrap_servers,
            client_id=f"{self.kafka.client_id}-{self.service}-{role}",
            enable_auto_commit=False,
            request_timeout_ms=self.kafka.request_timeout_ms,
        )
        await consumer.start()
        return consumer

    async def _close_offsets_consumer(self) -> None:
        for consumer in (self._offsets_consumer, self._reader_consumer):
            if consumer is not None:
                with contextlib.suppress(Exception):
                    await consumer.stop()
        self._offsets_consumer = self._reader_consumer = None


async def _log_end(consumer: AIOKafkaConsumer, tp: TopicPartition, reported: int) -> int:
    """The offset after the partition's last record, read from the log itself.

    Kafka's ListOffsets answers exactly that. Tansu answers the base offset of
    the last record batch plus one, which for a batch of several records is
    short of the end, and taking it at its word would declare published
    events lost and publish them again. So read the batch holding the
    reported end's predecessor: its last record's offset plus one is the end
    on both brokers.
    """
    if reported <= 0:
        return reported
    consumer.assign([tp])
    consumer.seek(tp, reported - 1)
    fetched = await consumer.getmany(tp, timeout_ms=2000)
    offsets = [record.offset for record in fetched.get(tp, [])]
    return max(max(offsets) + 1, reported) if offsets else reported


# --- operating parked rows ------------------------------------------------


async def parked_rows(conn: Connection) -> list[dict[str, Any]]:
    """The parked rows, oldest first: what an operator must look at."""
    rows = await conn.fetch(
        "SELECT seq, event_id, topic, key, event ->> 'type' AS type, parked_at, park_error "
        "FROM outbox WHERE parked_at IS NOT NULL ORDER BY seq"
    )
    return [dict(r) for r in rows]


async def parked_count(conn: Connection) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM outbox WHERE parked_at IS NOT NULL"))


async def replay_parked(conn: Connection, seqs: list[int] | None = None) -> int:
    """Unpark rows (all, or those of ``seqs``) so the relay tries them again."""
    result: int = await conn.fetchval(
        "WITH r AS (UPDATE outbox SET parked_at = NULL, park_error = NULL "
        "WHERE parked_at IS NOT NULL "
        "AND ($1::bigint[] IS NULL OR seq = ANY($1::bigint[])) RETURNING 1) "
        "SELECT count(*) FROM r",
        seqs,
    )
    await conn.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)
    return result
