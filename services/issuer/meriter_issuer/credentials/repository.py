"""Every SQL statement reading issued credentials."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from meriter_shared.db.types import Connection


@dataclass(frozen=True, slots=True)
class CredentialRow:
    seq: int
    credential_id: str
    result_id: str | None
    issued_at: datetime
    revoked: bool
    suspended: bool


@dataclass(frozen=True, slots=True)
class StoredCredential:
    institution_id: str
    document: str | None  # the signed text; None once the learner was erased


async def page(
    conn: Connection, institution_id: str, after: int | None, limit: int
) -> list[CredentialRow]:
    rows = await conn.fetch(
        "SELECT seq, credential_id, result_id, issued_at, revoked, suspended FROM credentials "
        "WHERE institution_id = $1 AND ($2::bigint IS NULL OR seq > $2) ORDER BY seq LIMIT $3",
        institution_id,
        after,
        limit,
    )
    return [CredentialRow(**dict(r)) for r in rows]


async def one(conn: Connection, credential_id: str) -> StoredCredential | None:
    row = await conn.fetchrow(
        "SELECT institution_id, document FROM credentials WHERE credential_id = $1", credential_id
    )
    return None if row is None else StoredCredential(**dict(row))
