"""The inbox: idempotent consumers.

``claim`` must run inside the transaction that applies the event's effect:
both commit together or neither does, so an event is applied exactly once
however often Kafka delivers it.
"""

from __future__ import annotations

from meriter_shared.db.types import Connection


async def claim(conn: Connection, consumer: str, event_id: str) -> bool:
    """Record the event as handled by ``consumer``; False if it already was."""
    row = await conn.fetchval(
        "INSERT INTO inbox (consumer, event_id) VALUES ($1, $2) "
        "ON CONFLICT DO NOTHING RETURNING true",
        consumer,
        event_id,
    )
    return bool(row)
