"""Every SQL statement about learners' contact data (kept only to deliver, then purged)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, dataclass
from datetime import datetime

from meriter_shared.db.types import Connection


@dataclass(frozen=True, slots=True)
class Contact:
    credential_id: str
    institution_id: str
    name: str
    email: str
    domain: str
    language: str
    title: str
    institution_name: str
    claim_url: str
    claim_expires_at: datetime
    purge_after: datetime


async def keep(conn: Connection, contacts: Sequence[Contact]) -> None:
    if not contacts:
        return
    columns = list(zip(*(astuple(c) for c in contacts), strict=True))
    await conn.execute(
        "INSERT INTO contacts (credential_id, institution_id, name, email, domain, language, "
        "title, institution_name, claim_url, claim_expires_at, purge_after) "
        "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], "
        "$6::text[], $7::text[], $8::text[], $9::text[], $10::timestamptz[], $11::timestamptz[]) "
        "ON CONFLICT (credential_id) DO NOTHING",
        *[list(c) for c in columns],
    )


async def erase(conn: Connection, institution_id: str, credential_ids: Sequence[str]) -> list[str]:
    rows = await conn.fetch(
        "DELETE FROM contacts WHERE institution_id = $1 AND credential_id = ANY($2::text[]) "
        "RETURNING credential_id",
        institution_id,
        list(credential_ids),
    )
    return [r["credential_id"] for r in rows]


async def purge_expired(conn: Connection, now: datetime, limit: int = 10_000) -> list[str]:
    # The batch as an array of keys, oldest first: the generic plan then walks
    # contacts_purge for it and deletes by primary key; "credential_id IN (SELECT …
    # LIMIT $2)" was planned as two sequential scans of the table (tests/plans).
    rows = await conn.fetch(
        "DELETE FROM contacts WHERE credential_id = ANY(ARRAY(SELECT credential_id "
        "FROM contacts WHERE purge_after <= $1 ORDER BY purge_after LIMIT $2)) "
        "RETURNING credential_id",
        now,
        limit,
    )
    return [r["credential_id"] for r in rows]
