"""The inbox: idempotent consumers.

``claim`` must run inside the transaction that applies the event's effect:
both commit together or neither does, so an event is applied exactly once
however often Kafka delivers it.

It remembers an event for ``retention`` (the service's
``inbox_retention_days``, longer than the topics keep events), then forgets
it (``purge``, run by the outbox relay's leader with its own housekeeping).
"""

from __future__ import annotations

from datetime import timedelta

from meriter_shared.db.types import Connection

# Oldest first, a bounded batch per statement, found through the BRIN index.
PURGE = (
    "WITH gone AS (DELETE FROM inbox WHERE ctid = ANY(ARRAY("
    "  SELECT ctid FROM inbox WHERE handled_at < now() - $1::interval LIMIT $2))"
    "  RETURNING 1) SELECT count(*) FROM gone"
)


async def claim(conn: Connection, consumer: str, event_id: str) -> bool:
    """Record the event as handled by ``consumer``; False if it already was."""
    row = await conn.fetchval(
        "INSERT INTO inbox (consumer, event_id) VALUES ($1, $2) "
        "ON CONFLICT DO NOTHING RETURNING true",
        consumer,
        event_id,
    )
    return bool(row)


async def claim_many(conn: Connection, consumer: str, event_ids: list[str]) -> set[str]:
    """Claim a batch's events in one round trip; the ids not handled before.

    An id that occurs twice in ``event_ids`` is returned once: the caller
    treats its first occurrence as new and the rest as duplicates.
    """
    if not event_ids:
        return set()
    rows = await conn.fetch(
        "INSERT INTO inbox (consumer, event_id) SELECT $1, e FROM unnest($2::text[]) AS e "
        "ON CONFLICT DO NOTHING RETURNING event_id",
        consumer,
        event_ids,
    )
    return {row["event_id"] for row in rows}


async def purge(conn: Connection, retention: timedelta, batch: int = 10_000) -> int:
    """Forget up to ``batch`` events handled before ``retention``; return how many."""
    return int(await conn.fetchval(PURGE, retention, batch))
