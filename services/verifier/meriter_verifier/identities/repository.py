"""SQL of the issuer-identity projection and the change counter."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from meriter_shared.db.types import Connection


async def upsert_identity(
    conn: Connection,
    institution_id: str,
    did: str,
    method: str,
    document: dict[str, Any],
    dids: list[str],
    event_at: datetime,
) -> bool:
    """Keep the newest identity of an institution; True when this one was applied."""
    applied = await conn.fetchval(
        """INSERT INTO issuer_identities AS i (institution_id, did, method, document, event_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (institution_id) DO UPDATE
              SET did = EXCLUDED.did, method = EXCLUDED.method,
                  document = EXCLUDED.document, event_at = EXCLUDED.event_at
            WHERE i.event_at <= EXCLUDED.event_at
           RETURNING true""",
        institution_id,
        did,
        method,
        document,
        event_at,
    )
    # Every DID the institution ever issued under stays its own.
    await conn.execute(
        """INSERT INTO issuer_dids (did, institution_id) SELECT unnest($1::text[]), $2
           ON CONFLICT (did) DO NOTHING""",
        dids,
        institution_id,
    )
    return bool(applied)


async def by_did(conn: Connection, did: str) -> tuple[str, str, dict[str, Any]] | None:
    """(institution id, its current DID, its current DID document) of a platform DID."""
    row = await conn.fetchrow(
        """SELECT i.institution_id, i.did, i.document FROM issuer_dids d
             JOIN issuer_identities i USING (institution_id) WHERE d.did = $1""",
        did,
    )
    return (row["institution_id"], row["did"], row["document"]) if row else None


async def bump(conn: Connection) -> None:
    await conn.execute("UPDATE projection_changes SET seq = seq + 1")


async def change_seq(conn: Connection) -> int:
    seq: int = await conn.fetchval("SELECT seq FROM projection_changes")
    return seq
