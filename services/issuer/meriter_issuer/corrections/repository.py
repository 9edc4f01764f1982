"""Every SQL statement of corrections and retries (on ``results`` and ``result_revisions``)."""

from __future__ import annotations

from typing import Any

from meriter_shared.db.types import Connection


async def lock(conn: Connection, institution_id: str, result_id: str) -> Any:
    """The result as stored, locked until the transaction ends (issuance locks it too)."""
    return await conn.fetchrow(
        "SELECT result_id, offering_id, content_hash, learner, assessed_on, issued_on, grade, "
        "supervision, state, reason, reason_kind, revision, credential_id FROM results "
        "WHERE institution_id = $1 AND result_id = $2 FOR UPDATE",
        institution_id,
        result_id,
    )


async def keep_revision(
    conn: Connection,
    institution_id: str,
    result_id: str,
    revision: int,
    content_hash: str,
    changed: list[str],
) -> None:
    """The revision a correction replaces: which fields changed (no values)."""
    await conn.execute(
        "INSERT INTO result_revisions (institution_id, result_id, revision, content_hash, "
        "changed) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        institution_id,
        result_id,
        revision,
        content_hash,
        changed,
    )


async def replace(conn: Connection, institution_id: str, row: dict[str, Any]) -> None:
    """The result's new content as its next revision, to be decided anew. The credential
    issued before stays named until the new one replaces it."""
    await conn.execute(
        "UPDATE results SET offering_id = $3, content_hash = $4, learner = $5, "
        "learner_ref = $6, assessed_on = $7, issued_on = $8, grade = $9, supervision = $10, "
        "revision = revision + 1, state = 'accepted', reason = NULL, reason_kind = NULL, "
        "updated_at = now() WHERE institution_id = $1 AND result_id = $2",
        institution_id,
        row["result_id"],
        row["offering_id"],
        row["content_hash"],
        row["learner"],
        row["learner_ref"],
        row["assessed_on"],
        row["issued_on"],
        row["grade"],
        row["supervision"],
    )


async def reopen(conn: Connection, institution_id: str, result_id: str) -> None:
    """A rejected result, made ``accepted`` again to be decided anew."""
    await conn.execute(
        "UPDATE results SET state = 'accepted', reason = NULL, reason_kind = NULL, "
        "updated_at = now() WHERE institution_id = $1 AND result_id = $2",
        institution_id,
        result_id,
    )
