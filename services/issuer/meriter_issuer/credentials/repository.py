"""Every SQL statement reading issued credentials."""

from __future__ import annotations

from typing import Any

from meriter_shared.db.types import Connection


async def page(conn: Connection, institution_id: str, after: int | None, limit: int) -> list[Any]:
    return await conn.fetch(
        "SELECT seq, credential_id, result_id, issued_at, revoked, suspended FROM credentials "
        "WHERE institution_id = $1 AND ($2::bigint IS NULL OR seq > $2) ORDER BY seq LIMIT $3",
        institution_id,
        after,
        limit,
    )


async def one(conn: Connection, credential_id: str) -> Any:
    return await conn.fetchrow(
        "SELECT institution_id, document FROM credentials WHERE credential_id = $1", credential_id
    )
