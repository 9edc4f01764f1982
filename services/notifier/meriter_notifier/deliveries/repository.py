"""Every SQL statement about delivery records.

A record moves queued → sending (claimed, with a lease) → sent | retrying |
failed | bounced; retrying → sending again when due. A claim whose lease
lapsed (its sender died or hung) is claimed again and counted ``in_doubt``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from meriter_shared.db.types import Connection

NOTIFY_CHANNEL = "meriter_notifier_deliveries"


@dataclass(frozen=True, slots=True)
class NewDelivery:
    delivery_key: str
    channel: str
    institution_id: str
    credential_id: str | None
    result_id: str | None
    event_id: str
    event_type: str
    endpoint_id: str | None
    message_id: str
    body: str | None
    traceparent: str | None


async def insert(conn: Connection, rows: Sequence[NewDelivery]) -> int:
    """Add delivery records (one already there for its key stays); return how many are new."""
    if not rows:
        return 0
    columns = [
        [getattr(r, f) for r in rows]
        for f in (
            "delivery_key",
            "channel",
            "institution_id",
            "credential_id",
            "result_id",
            "event_id",
            "event_type",
            "endpoint_id",
            "message_id",
            "body",
            "traceparent",
        )
    ]
    added: int = await conn.fetchval(
        "WITH n AS (INSERT INTO deliveries (delivery_key, channel, institution_id, credential_id, "
        "result_id, event_id, event_type, endpoint_id, message_id, body, traceparent) "
        "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], "
        "$6::text[], $7::text[], $8::uuid[], $9::text[], $10::text[], $11::text[]) "
        "ON CONFLICT (delivery_key) DO NOTHING RETURNING 1) SELECT count(*) FROM n",
        *columns,
    )
    await conn.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)
    return added


async def claim(conn: Connection, channel: str, limit: int, lease_s: float) -> list[Any]:
    """Claim up to ``limit`` due records of ``channel``, oldest due first.

    Email rows come with their contact data (absent once purged or erased).
    """
    sql = _CLAIM_EMAIL if channel == "email" else _CLAIM_WEBHOOK
    return list(
        await conn.fetch(
            sql,
            channel,
            limit,
            lease_s,
        )
    )


_CLAIMED = (
    "WITH due AS (SELECT id, state FROM deliveries "
    "WHERE channel = $1 AND state IN ('queued', 'retrying', 'sending') "
    "AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT $2 "
    "FOR UPDATE SKIP LOCKED), "
    "claimed AS (UPDATE deliveries d SET state = 'sending', "
    "in_doubt = d.in_doubt + (due.state = 'sending')::int, "
    "next_attempt_at = now() + make_interval(secs => $3), updated_at = now() "
    "FROM due WHERE d.id = due.id RETURNING d.*, due.state AS was) "
)
_CLAIM_EMAIL = (
    _CLAIMED  # noqa: S608 - fixed text, no data
    + "SELECT d.*, c.name, c.email, c.domain, c.language, c.title, c.institution_name, "
    "c.claim_url, c.claim_expires_at FROM claimed d "
    "LEFT JOIN contacts c ON c.credential_id = d.credential_id"
)
_CLAIM_WEBHOOK = (
    _CLAIMED + "SELECT d.*, e.url, e.secret_sealed, e.deleted_at AS endpoint_deleted_at "
    "FROM claimed d LEFT JOIN webhook_endpoints e ON e.id = d.endpoint_id"
)


@dataclass(frozen=True, slots=True)
class Outcome:
    id: int
    state: str  # sent | retrying | failed | bounced | queued (put back, no try spent)
    attempts_spent: int  # 0 or 1
    delay_s: float  # for retrying/queued: when it is due again
    error: str | None
    park: bool = False
    doubt: bool = False  # the try's outcome was lost (after the final "." of DATA)


async def record(conn: Connection, outcomes: Sequence[Outcome]) -> None:
    """Write what each try came to, in one statement; only rows still being sent change."""
    if not outcomes:
        return
    await conn.execute(
        "UPDATE deliveries d SET state = u.state, attempts = d.attempts + u.spent, "
        "next_attempt_at = now() + make_interval(secs => u.delay), "
        "last_error = COALESCE(u.error, d.last_error), updated_at = now(), "
        "in_doubt = d.in_doubt + u.doubt::int, "
        "sent_at = CASE WHEN u.state = 'sent' THEN now() ELSE d.sent_at END, "
        "parked_at = CASE WHEN u.park THEN now() ELSE d.parked_at END "
        "FROM unnest($1::bigint[], $2::text[], $3::int[], $4::float8[], $5::text[], $6::bool[], "
        "$7::bool[]) AS u(id, state, spent, delay, error, park, doubt) "
        "WHERE d.id = u.id AND d.state = 'sending'",
        [o.id for o in outcomes],
        [o.state for o in outcomes],
        [o.attempts_spent for o in outcomes],
        [o.delay_s for o in outcomes],
        [o.error for o in outcomes],
        [o.park for o in outcomes],
        [o.doubt for o in outcomes],
    )


# What the backlog gauge counts at most per (channel, state): counted along
# the partial index of records not final yet, so its cost is bounded by this
# cap, never by the table's history.
BACKLOG_CAP = 100_000
BACKLOG_STATES = ("queued", "retrying", "sending")


BACKLOG = (
    "SELECT "
    "(SELECT count(*) FROM (SELECT 1 FROM deliveries "
    "  WHERE channel = $1 AND state = 'queued' LIMIT $2) s) AS queued, "
    "(SELECT count(*) FROM (SELECT 1 FROM deliveries "
    "  WHERE channel = $1 AND state = 'retrying' LIMIT $2) s) AS retrying, "
    "(SELECT count(*) FROM (SELECT 1 FROM deliveries "
    "  WHERE channel = $1 AND state = 'sending' LIMIT $2) s) AS sending"
)


async def backlog(conn: Connection, channel: str) -> dict[str, int]:
    """Records of ``channel`` not final yet, by state (each at most ``BACKLOG_CAP``)."""
    row = await conn.fetchrow(BACKLOG, channel, BACKLOG_CAP)
    assert row is not None
    return {state: int(row[state]) for state in BACKLOG_STATES}


async def of_credential(conn: Connection, credential_id: str) -> list[Any]:
    return list(
        await conn.fetch(
            "SELECT id, channel, institution_id, event_type, event_id, endpoint_id, state, "
            "attempts, created_at, updated_at, sent_at, last_error, parked_at "
            "FROM deliveries WHERE credential_id = $1 ORDER BY id",
            credential_id,
        )
    )


async def fail_pending_email(
    conn: Connection, credential_ids: Sequence[str], reason: str, event_type: str | None = None
) -> int:
    """Pending mail for these credentials will not be sent (erased, purged, revoked)."""
    done: int = await conn.fetchval(
        "WITH f AS (UPDATE deliveries SET state = 'failed', last_error = $2, updated_at = now() "
        "WHERE channel = 'email' AND credential_id = ANY($1::text[]) "
        "AND state IN ('queued', 'retrying') AND ($3::text IS NULL OR event_type = $3) "
        "RETURNING 1) SELECT count(*) FROM f",
        list(credential_ids),
        reason,
        event_type,
    )
    return done


async def parked_webhooks(
    conn: Connection, institution_id: str, after: int | None, limit: int
) -> list[dict[str, Any]]:
    """Parked webhook deliveries of the institution after ``after``, by id."""
    rows = await conn.fetch(
        "SELECT id, endpoint_id, event_id, event_type, credential_id, result_id, attempts, "
        "last_error, parked_at FROM deliveries WHERE institution_id = $1 "
        "AND channel = 'webhook' AND parked_at IS NOT NULL AND state = 'failed' "
        "AND ($2::bigint IS NULL OR id > $2) ORDER BY id LIMIT $3",
        institution_id,
        after,
        limit,
    )
    return [dict(r) for r in rows]


async def replay_parked(conn: Connection, institution_id: str, ids: Sequence[int] | None) -> int:
    """Parked webhook deliveries of this institution go out again, their tries reset."""
    count: int = await conn.fetchval(
        "WITH r AS (UPDATE deliveries SET state = 'queued', attempts = 0, parked_at = NULL, "
        "next_attempt_at = now(), updated_at = now() WHERE institution_id = $1 "
        "AND channel = 'webhook' AND parked_at IS NOT NULL AND state = 'failed' "
        "AND ($2::bigint[] IS NULL OR id = ANY($2::bigint[])) RETURNING 1) "
        "SELECT count(*) FROM r",
        institution_id,
        list(ids) if ids is not None else None,
    )
    await conn.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)
    return count


async def webhook_endpoints_of(conn: Connection, institution_ids: Sequence[str]) -> list[Any]:
    return list(
        await conn.fetch(
            "SELECT id, institution_id, event_types FROM webhook_endpoints "
            "WHERE institution_id = ANY($1::text[]) AND deleted_at IS NULL",
            list(set(institution_ids)),
        )
    )


async def purge_finished(conn: Connection, before: datetime, limit: int = 10_000) -> int:
    """Delete up to ``limit`` finished deliveries created before ``before`` (parked
    webhooks stay for their replay); return how many."""
    gone: int = await conn.fetchval(
        "WITH gone AS (DELETE FROM deliveries WHERE ctid = ANY(ARRAY("
        "  SELECT ctid FROM deliveries WHERE created_at < $1 "
        "  AND state IN ('sent', 'failed', 'bounced') AND parked_at IS NULL LIMIT $2)) "
        "  RETURNING 1) SELECT count(*) FROM gone",
        before,
        limit,
    )
    return gone
