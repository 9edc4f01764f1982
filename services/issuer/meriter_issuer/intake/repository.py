"""Every SQL statement about results."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from meriter_shared.db.types import Connection

_COLUMNS = (
    "result_id, offering_id, state, credential_id, reason, accepted_at, updated_at, assessed_on"
)


async def insert_new(
    conn: Connection, institution_id: str, rows: Sequence[dict[str, Any]]
) -> set[str]:
    """Insert results not yet known; the result ids that were new."""
    inserted = await conn.fetch(
        "INSERT INTO results (institution_id, result_id, offering_id, content_hash, learner, "
        "learner_ref, assessed_on, issued_on, grade, supervision, state) "
        "SELECT $1, r.result_id, r.offering_id, r.content_hash, r.learner, r.learner_ref, "
        "r.assessed_on, r.issued_on, r.grade, r.supervision, 'accepted' "
        "FROM unnest($2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[], $7::date[], "
        "$8::date[], $9::text[], $10::text[]) AS r(result_id, offering_id, content_hash, learner, "
        "learner_ref, assessed_on, issued_on, grade, supervision) "
        "ON CONFLICT (institution_id, result_id) DO NOTHING RETURNING result_id",
        institution_id,
        [r["result_id"] for r in rows],
        [r["offering_id"] for r in rows],
        [r["content_hash"] for r in rows],
        [r["learner"] for r in rows],
        [r["learner_ref"] for r in rows],
        [r["assessed_on"] for r in rows],
        [r["issued_on"] for r in rows],
        [r["grade"] for r in rows],
        [r["supervision"] for r in rows],
    )
    return {r["result_id"] for r in inserted}


async def content_hashes(
    conn: Connection, institution_id: str, result_ids: Sequence[str]
) -> dict[str, str]:
    rows = await conn.fetch(
        "SELECT result_id, content_hash FROM results WHERE institution_id = $1 "
        "AND result_id = ANY($2::text[])",
        institution_id,
        list(result_ids),
    )
    return {r["result_id"]: r["content_hash"] for r in rows}


async def one(conn: Connection, institution_id: str, result_id: str) -> Any:
    return await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM results WHERE institution_id = $1 AND result_id = $2",  # noqa: S608
        institution_id,
        result_id,
    )


async def page(
    conn: Connection, institution_id: str, state: str | None, after: int | None, limit: int
) -> list[Any]:
    return await conn.fetch(
        f"SELECT seq, {_COLUMNS} FROM results WHERE institution_id = $1 "  # noqa: S608
        "AND ($2::text IS NULL OR state = $2) AND ($3::bigint IS NULL OR seq > $3) "
        "ORDER BY seq LIMIT $4",
        institution_id,
        state,
        after,
        limit,
    )


async def counts(conn: Connection, institution_id: str) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT state, count(*) AS n FROM results WHERE institution_id = $1 GROUP BY state",
        institution_id,
    )
    return {r["state"]: r["n"] for r in rows}
