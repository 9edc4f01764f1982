"""Every SQL statement of issuance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from meriter_shared.db.types import Connection

# Rejections the registry can undo: such results are decided again (see migration 0006).
FIXABLE = ["offering", "institution"]


async def pending(conn: Connection, keys: Sequence[tuple[str, str]]) -> list[Any]:
    """The results among ``keys`` still to decide (accepted, held, or rejected for a reason
    the registry can undo), locked."""
    return await conn.fetch(
        "SELECT r.institution_id, r.result_id, r.offering_id, r.learner, r.learner_ref, "
        "r.assessed_on, r.issued_on, r.grade, r.supervision, r.state, r.reason, "
        "r.reason_kind, r.revision, r.credential_id FROM results r "
        "JOIN unnest($1::text[], $2::text[]) AS k(i, r) ON r.institution_id = k.i "
        "AND r.result_id = k.r WHERE r.state IN ('accepted', 'held') "
        "OR (r.state = 'rejected' AND r.reason_kind = ANY($3::text[])) "
        "ORDER BY r.institution_id, r.result_id FOR UPDATE OF r",
        [k[0] for k in keys],
        [k[1] for k in keys],
        FIXABLE,
    )


async def undecided_of(conn: Connection, institution_ids: Sequence[str]) -> list[Any]:
    """The institutions' results a registry change may unblock: held, or rejected for
    their offering's or institution's data."""
    return await conn.fetch(
        "SELECT institution_id, result_id, offering_id FROM results "
        "WHERE institution_id = ANY($1::text[]) AND (state = 'held' "
        "OR (state = 'rejected' AND reason_kind = ANY($2::text[])))",
        list(institution_ids),
        FIXABLE,
    )


async def set_states(
    conn: Connection, changes: Sequence[tuple[str, str, str, str | None, str | None]]
) -> None:
    """(institution_id, result_id, state, reason, reason kind) for each result."""
    await conn.execute(
        "UPDATE results r SET state = c.s, reason = c.why, reason_kind = c.k, updated_at = now() "
        "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) "
        "AS c(i, r, s, why, k) WHERE r.institution_id = c.i AND r.result_id = c.r",
        [c[0] for c in changes],
        [c[1] for c in changes],
        [c[2] for c in changes],
        [c[3] for c in changes],
        [c[4] for c in changes],
    )


async def store_issued(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """The credentials, and their results marked issued (one credential per result:
    the unique constraint refuses a second whatever happened before). Each
    ``document`` is the signed credential's JSON text, kept as it is."""
    await conn.execute(
        "INSERT INTO credentials (credential_id, institution_id, result_id, issued_at, title, "
        "generation, status_index, document, learner_ref, revision, supersedes) "
        "SELECT c, i, r, t, title, g, n, d, l, v, s FROM unnest($1::text[], $2::text[], "
        "$3::text[], $4::timestamptz[], $5::text[], $6::int[], $7::int[], $8::text[], "
        "$9::text[], $10::int[], $11::text[]) AS u(c, i, r, t, title, g, n, d, l, v, s)",
        [r["credential_id"] for r in rows],
        [r["institution_id"] for r in rows],
        [r["result_id"] for r in rows],
        [r["issued_at"] for r in rows],
        [r["title"] for r in rows],
        [r["generation"] for r in rows],
        [r["status_index"] for r in rows],
        [r["document"] for r in rows],
        [r["learner_ref"] for r in rows],
        [r["revision"] for r in rows],
        [r["supersedes"] for r in rows],
    )
    await conn.execute(
        "UPDATE credentials o SET superseded_by = c.new FROM unnest($1::text[], $2::text[]) "
        "AS c(old, new) WHERE o.credential_id = c.old",
        [r["supersedes"] for r in rows if r["supersedes"]],
        [r["credential_id"] for r in rows if r["supersedes"]],
    )
    await conn.execute(
        "UPDATE results r SET state = 'issued', reason = NULL, reason_kind = NULL, "
        "credential_id = c.id, "
        "updated_at = now() FROM unnest($1::text[], $2::text[], $3::text[]) AS c(i, r, id) "
        "WHERE r.institution_id = c.i AND r.result_id = c.r",
        [r["institution_id"] for r in rows],
        [r["result_id"] for r in rows],
        [r["credential_id"] for r in rows],
    )


async def store_claims(conn: Connection, claims: Sequence[tuple[str, str, str, datetime]]) -> None:
    """(token hash, credential id, language, expiry) for each claim link."""
    await conn.execute(
        "INSERT INTO claims (token_hash, credential_id, language, expires_at) "
        "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])",
        [c[0] for c in claims],
        [c[1] for c in claims],
        [c[2] for c in claims],
        [c[3] for c in claims],
    )
