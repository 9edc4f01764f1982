"""Every SQL statement about status lists, their allocation and credentials' status."""

from __future__ import annotations

from typing import Any

from meriter_shared.db.types import Connection


async def take_counters(
    conn: Connection, institution_id: str, count: int
) -> tuple[int, int, bytes] | None:
    """(generation, first counter, permutation key) for ``count`` new entries in the
    current generation, or None when it has no room (or none exists)."""
    row = await conn.fetchrow(
        "UPDATE status_allocators a SET next_counter = next_counter + $2 "
        "WHERE institution_id = $1 AND generation = (SELECT max(generation) FROM "
        "status_allocators WHERE institution_id = $1) AND next_counter + $2 <= length "
        "RETURNING generation, next_counter - $2 AS first, permutation_key",
        institution_id,
        count,
    )
    return None if row is None else (row["generation"], row["first"], row["permutation_key"])


async def current_generation(conn: Connection, institution_id: str) -> int:
    found = await conn.fetchval(
        "SELECT max(generation) FROM status_allocators WHERE institution_id = $1", institution_id
    )
    return int(found or 0)


async def new_generation(
    conn: Connection, institution_id: str, generation: int, key: bytes, length: int
) -> bool:
    """False when another transaction opened it first."""
    done = await conn.fetchval(
        "INSERT INTO status_allocators (institution_id, generation, permutation_key, length) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING true",
        institution_id,
        generation,
        key,
        length,
    )
    return bool(done)


async def insert_list(
    conn: Connection,
    list_id: str,
    institution_id: str,
    generation: int,
    purpose: str,
    length: int,
    bits: bytes,
) -> None:
    await conn.execute(
        "INSERT INTO status_lists (list_id, institution_id, generation, purpose, length, bits) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        list_id,
        institution_id,
        generation,
        purpose,
        length,
        bits,
    )


async def list_row(conn: Connection, list_id: str, *, lock: bool = False) -> Any:
    return await conn.fetchrow(
        "SELECT list_id, institution_id, generation, purpose, length, bits, document, etag "
        "FROM status_lists WHERE list_id = $1" + (" FOR UPDATE" if lock else ""),
        list_id,
    )


async def unsigned_lists(conn: Connection, institution_id: str) -> list[Any]:
    return await conn.fetch(
        "SELECT list_id, institution_id, generation, purpose, length, bits FROM status_lists "
        "WHERE institution_id = $1 AND document IS NULL",
        institution_id,
    )


async def store_signed(
    conn: Connection, list_id: str, bits: bytes, document: dict[str, Any], etag: str
) -> None:
    await conn.execute(
        "UPDATE status_lists SET bits = $2, document = $3, etag = $4, updated_at = now() "
        "WHERE list_id = $1",
        list_id,
        bits,
        document,
        etag,
    )


async def published(conn: Connection, list_id: str) -> Any:
    return await conn.fetchrow(
        "SELECT document, etag, updated_at FROM status_lists WHERE list_id = $1 "
        "AND document IS NOT NULL",
        list_id,
    )


async def credential_status(conn: Connection, credential_id: str, *, lock: bool = False) -> Any:
    query = (
        "SELECT credential_id, institution_id, generation, status_index, revoked, suspended, "
        "status_purposes FROM credentials WHERE credential_id = $1"
    )
    if lock:
        query += " FOR UPDATE"
    return await conn.fetchrow(query, credential_id)


async def set_credential_status(
    conn: Connection, credential_id: str, purpose: str, value: bool, reason: str
) -> None:
    column = "revoked" if purpose == "revocation" else "suspended"
    await conn.execute(
        f"UPDATE credentials SET {column} = $2, status_reason = $3 "  # noqa: S608 - fixed names
        "WHERE credential_id = $1",
        credential_id,
        value,
        reason,
    )
