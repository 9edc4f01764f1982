"""Every SQL statement about results."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from meriter_shared.db.query import Where
from meriter_shared.db.types import Connection

_COLUMNS = (
    "result_id, offering_id, state, revision, credential_id, reason, reason_kind, accepted_at, "
    "updated_at, assessed_on"
)
# Rejections the registry (or a retry) can undo; see migration 0006.
FIXABLE = ("offering", "institution")


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


async def known(conn: Connection, institution_id: str, result_ids: Sequence[str]) -> dict[str, Any]:
    """result_id → (content_hash, state, reason, reason_kind) of results already stored."""
    rows = await conn.fetch(
        "SELECT result_id, content_hash, state, reason, reason_kind FROM results "
        "WHERE institution_id = $1 AND result_id = ANY($2::text[])",
        institution_id,
        list(result_ids),
    )
    return {r["result_id"]: r for r in rows}


async def reopen_fixable(
    conn: Connection, institution_id: str, result_ids: Sequence[str]
) -> list[Any]:
    """Results among these rejected for a fixable reason, made ``accepted`` again (to be
    decided anew); (result_id, offering_id) of each."""
    return await conn.fetch(
        "UPDATE results SET state = 'accepted', reason = NULL, reason_kind = NULL, "
        "updated_at = now() WHERE institution_id = $1 AND result_id = ANY($2::text[]) "
        "AND state = 'rejected' AND reason_kind = ANY($3::text[]) "
        "RETURNING result_id, offering_id",
        institution_id,
        list(result_ids),
        list(FIXABLE),
    )


async def one(conn: Connection, institution_id: str, result_id: str) -> Any:
    return await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM results WHERE institution_id = $1 AND result_id = $2",  # noqa: S608
        institution_id,
        result_id,
    )


async def revisions(conn: Connection, institution_id: str, result_id: str) -> list[Any]:
    """A result's earlier revisions, oldest first, with the credential each was issued."""
    return await conn.fetch(
        "SELECT v.revision, v.changed, v.replaced_at, c.credential_id FROM result_revisions v "
        "LEFT JOIN credentials c ON c.institution_id = v.institution_id "
        "AND c.result_id = v.result_id AND c.revision = v.revision "
        "WHERE v.institution_id = $1 AND v.result_id = $2 ORDER BY v.revision",
        institution_id,
        result_id,
    )


async def page(
    conn: Connection, institution_id: str, state: str | None, after: int | None, limit: int
) -> list[Any]:
    # Built with Where, not "$2 IS NULL OR state = $2": a generic plan cannot make an
    # optional condition an index condition, and would walk every result of the
    # institution (or of the table) to find a page (tests/plans).
    where = Where().add("institution_id = {}", institution_id)
    where.add_if(state, "state = {}")
    where.after("seq", after)
    sql, args = where.select(
        f"SELECT seq, {_COLUMNS} FROM results",  # noqa: S608 - a constant
        order_by="seq",
        limit=limit,
    )
    return await conn.fetch(sql, *args)


async def counts(conn: Connection, institution_id: str) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT state, count(*) AS n FROM results WHERE institution_id = $1 GROUP BY state",
        institution_id,
    )
    return {r["state"]: r["n"] for r in rows}
