"""Every SQL statement of erasure."""

from __future__ import annotations

from typing import Any

from meriter_shared.db.types import Connection


async def erase_results(conn: Connection, institution_id: str, learner_ref: str) -> list[Any]:
    """Remove the learner's data from their results; reject those still open (to be
    decided, or rejected for a reason the registry could still undo) as erased.
    Returns (result_id, was_open) for each result of the learner."""
    return await conn.fetch(
        "UPDATE results r SET learner = NULL, "
        "state = CASE WHEN o.open THEN 'rejected' ELSE r.state END, "
        "reason = CASE WHEN o.open THEN $3 ELSE r.reason END, "
        "reason_kind = CASE WHEN o.open THEN 'erased' ELSE r.reason_kind END, "
        "updated_at = now() FROM (SELECT result_id, (state IN ('accepted', 'held') OR "
        "(state = 'rejected' AND reason_kind IN ('offering', 'institution'))) AS open "
        "FROM results WHERE institution_id = $1 AND learner_ref = $2 FOR UPDATE) o "
        "WHERE r.institution_id = $1 AND r.result_id = o.result_id "
        "RETURNING r.result_id, o.open AS was_open",
        institution_id,
        learner_ref,
        "erased",
    )


async def erase_credentials(
    conn: Connection, institution_id: str, learner_ref: str
) -> tuple[list[str], int]:
    """(every credential id of the learner, how many stored copies were removed now)."""
    rows = await conn.fetch(
        "UPDATE credentials c SET document = NULL FROM (SELECT credential_id, "
        "document IS NOT NULL AS had FROM credentials WHERE institution_id = $1 "
        "AND learner_ref = $2 FOR UPDATE) o WHERE c.credential_id = o.credential_id "
        "RETURNING c.credential_id, o.had",
        institution_id,
        learner_ref,
    )
    return [r["credential_id"] for r in rows], sum(1 for r in rows if r["had"])


async def withdraw_claims(conn: Connection, credential_ids: list[str]) -> int:
    """Delete the claims of these credentials, keeping their token hashes as erased."""
    return int(
        await conn.fetchval(
            "WITH gone AS (DELETE FROM claims WHERE credential_id = ANY($1::text[]) "
            "RETURNING token_hash), kept AS (INSERT INTO erased_claims (token_hash) "
            "SELECT token_hash FROM gone ON CONFLICT DO NOTHING) SELECT count(*) FROM gone",
            credential_ids,
        )
    )


async def record(
    conn: Connection,
    erasure_id: str,
    institution_id: str,
    learner_ref: str,
    counts: dict[str, int],
) -> Any:
    return await conn.fetchrow(
        "INSERT INTO erasures (erasure_id, institution_id, learner_ref, results, rejected, "
        "credentials, claims) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING erased_at",
        erasure_id,
        institution_id,
        learner_ref,
        counts["results"],
        counts["rejected"],
        counts["credentials"],
        counts["claims"],
    )
