"""Every SQL statement reading issued credentials."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from meriter_shared.db.query import Where
from meriter_shared.db.types import Connection


@dataclass(frozen=True, slots=True)
class CredentialRow:
    seq: int
    credential_id: str
    result_id: str | None
    issued_at: datetime
    revoked: bool
    suspended: bool
    supersedes: str | None
    superseded_by: str | None


@dataclass(frozen=True, slots=True)
class StoredCredential:
    institution_id: str
    document: str | None  # the signed text; None once the learner was erased


async def page(
    conn: Connection, institution_id: str, after: int | None, limit: int
) -> list[CredentialRow]:
    # The cursor through Where, not "$2 IS NULL OR seq > $2": in a generic plan that
    # is a filter, and page n would read every credential of pages 1…n-1 (tests/plans).
    sql, args = (
        Where()
        .add("institution_id = {}", institution_id)
        .after("seq", after)
        .select(
            "SELECT seq, credential_id, result_id, issued_at, revoked, suspended, supersedes, "
            "superseded_by FROM credentials",
            order_by="seq",
            limit=limit,
        )
    )
    rows = await conn.fetch(sql, *args)
    return [CredentialRow(**dict(r)) for r in rows]


async def one(conn: Connection, credential_id: str) -> StoredCredential | None:
    row = await conn.fetchrow(
        "SELECT institution_id, document FROM credentials WHERE credential_id = $1", credential_id
    )
    return None if row is None else StoredCredential(**dict(row))
