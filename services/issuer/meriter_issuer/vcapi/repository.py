"""Every SQL statement of the VC-API door."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from meriter_shared import jsonio
from meriter_shared.db.types import Connection


async def store(
    conn: Connection,
    *,
    credential_id: str,
    institution_id: str,
    issued_at: datetime,
    title: str,
    slot: tuple[int, int] | None,
    purposes: list[str],
    document: dict[str, Any],
    vc_id: str | None,
) -> None:
    await conn.execute(
        "INSERT INTO credentials (credential_id, institution_id, result_id, issued_at, title, "
        "generation, status_index, document, learner_ref, source, vc_id, status_purposes) "
        "VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, NULL, 'vcapi', $8, $9::text[])",
        credential_id,
        institution_id,
        issued_at,
        title,
        slot[0] if slot else None,
        slot[1] if slot else None,
        jsonio.dumps_text(document),
        vc_id,
        purposes,
    )


async def find(conn: Connection, credential_id: str, institution_id: str | None) -> list[str]:
    """The credentials a VC-API ``credentialId`` names: Meriter's own id, or the id the
    institution gave it (every credential signed under it); only the institution's own
    unless ``institution_id`` is None (the admin)."""
    rows = await conn.fetch(
        "SELECT credential_id FROM credentials WHERE (credential_id = $1 OR vc_id = $1) "
        "AND ($2::text IS NULL OR institution_id = $2) ORDER BY seq",
        credential_id,
        institution_id,
    )
    return [r["credential_id"] for r in rows]
