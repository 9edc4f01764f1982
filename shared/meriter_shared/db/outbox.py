"""The transactional outbox, writer side: events written in the caller's transaction.

Invariants:
- ``enqueue`` runs inside the caller's transaction: a rolled-back change
  leaves no row, so nothing is ever published for it. Each row wakes the
  relay (``NOTIFY_CHANNEL``) when the transaction commits.
- Rows keep the order they were written in (``seq``), so one aggregate's
  events go out in order.
- An event larger than ``MAX_EVENT_BYTES`` is refused here (413, the change
  rolls back), so the relay never holds one it could not publish for size.
- The current trace context travels with the event.

This module needs Postgres only: it does not import the Kafka client, so a
service that only writes events loads none of it. The relay that publishes
the rows (leader lock, parking, recovery of a broker's lost log) is
``meriter_shared.messaging.relay``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from meriter_shared.db.types import Connection
from meriter_shared.errors import PayloadTooLarge
from meriter_shared.events.contracts import EventPayload
from meriter_shared.events.envelope import CloudEvent, encode
from meriter_shared.observability.tracing import inject_headers

if TYPE_CHECKING:
    from meriter_shared.messaging.relay import (
        OutboxRelay,
        parked_count,
        parked_rows,
        replay_parked,
    )

__all__ = [
    "MAX_EVENT_BYTES",
    "NOTIFY_CHANNEL",
    "OutboxRelay",
    "OutboxRow",
    "enqueue",
    "enqueue_event",
    "enqueue_many",
    "parked_count",
    "parked_rows",
    "replay_parked",
    "wire_size",
]
# The relay's names as they were importable from here before it moved
# (``bench/kernel_bench.py`` imports ``OutboxRelay`` from here), loaded only
# when asked for, so importing the writer still loads no Kafka client.
_MOVED_TO_RELAY = frozenset({"OutboxRelay", "parked_count", "parked_rows", "replay_parked"})

NOTIFY_CHANNEL = "meriter_outbox"
# What one event may weigh on the wire (value, key and headers): below
# Kafka's default message.max.bytes (1 MiB) with room for the batch framing.
MAX_EVENT_BYTES = 1_000_000


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One row waiting to be published: its place, its destination, its event."""

    seq: int
    topic: str
    key: str
    event: dict[str, Any]  # the CloudEvent as stored (JSON)

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> OutboxRow:
        return cls(seq=row["seq"], topic=row["topic"], key=row["key"], event=row["event"])


def wire_size(key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> int:
    """What a record weighs on the wire, framing aside."""
    return len(key) + len(value) + sum(len(k) + len(v) for k, v in headers)


async def enqueue(
    conn: Connection,
    payload: EventPayload,
    *,
    event_id: str | None = None,
    time: datetime | None = None,
) -> CloudEvent:
    """Add the event ``payload`` announces to the outbox in the caller's transaction.

    Type, version, source, topic and key come from the payload's contract; it
    is serialized once, here. The current trace context travels with the
    event, so the consumer's span continues the trace of the request that
    caused it. Returns the event as enqueued.
    """
    event = CloudEvent.of(payload, id=event_id, time=time)
    await enqueue_event(conn, event, topic=payload.topic)
    return event


async def enqueue_many(conn: Connection, payloads: Sequence[EventPayload]) -> None:
    """``enqueue`` for many payloads in one round trip (bulk writes)."""
    if not conn.is_in_transaction():
        raise RuntimeError("outbox.enqueue must run inside the change's transaction")
    if not payloads:
        return
    trace = inject_headers()
    rows = []
    for payload in payloads:
        event = CloudEvent.of(payload)
        if trace:
            event = event.model_copy(update={"extensions": {**event.extensions, **trace}})
        size = wire_size(*encode(event))
        if size > MAX_EVENT_BYTES:
            raise PayloadTooLarge(
                f"a {event.type} event of {size} bytes; events are limited to {MAX_EVENT_BYTES}"
            )
        rows.append((event.id, payload.topic, event.subject, event.model_dump_json()))
    # One statement for all of them, in the order given (one aggregate's events
    # keep their order through ``seq``).
    await conn.execute(
        "INSERT INTO outbox (event_id, topic, key, event) "
        "SELECT i, t, k, e::jsonb FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) "
        "WITH ORDINALITY AS u(i, t, k, e, n) ORDER BY n",
        *(list(column) for column in zip(*rows, strict=True)),
    )
    await conn.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)


async def enqueue_event(
    conn: Connection, event: CloudEvent, *, topic: str, key: str | None = None
) -> None:
    """Add an already-built ``event`` to the outbox (tools and tests; services use
    :func:`enqueue` with a typed payload)."""
    if not conn.is_in_transaction():
        raise RuntimeError("outbox.enqueue must run inside the change's transaction")
    size = wire_size(*encode(event))
    if size > MAX_EVENT_BYTES:
        raise PayloadTooLarge(
            f"this change would publish a {event.type} event of {size} bytes; "
            f"events are limited to {MAX_EVENT_BYTES} bytes",
            event_type=event.type,
        )
    trace = inject_headers()
    if trace:
        event = event.model_copy(update={"extensions": {**event.extensions, **trace}})
    await conn.execute(
        "INSERT INTO outbox (event_id, topic, key, event) VALUES ($1, $2, $3, $4)",
        event.id,
        topic,
        key or event.subject,
        json.loads(event.model_dump_json()),
    )
    await conn.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)


def __getattr__(name: str) -> Any:
    if name in _MOVED_TO_RELAY:
        from meriter_shared.messaging import relay

        return getattr(relay, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
