"""Every SQL statement about issuer identities and keys."""

from __future__ import annotations

from typing import Any

from meriter_shared.db.types import Connection


async def identity(conn: Connection, institution_id: str, *, lock: bool = False) -> Any:
    query = (
        "SELECT institution_id, method, did, signing_key_id FROM issuer_identities "
        "WHERE institution_id = $1"
    )
    return await conn.fetchrow(query + " FOR UPDATE" if lock else query, institution_id)


async def identities(conn: Connection, institution_ids: list[str]) -> list[Any]:
    return await conn.fetch(
        "SELECT i.institution_id, i.method, i.did, k.key_id, k.public_multibase, k.sealed_seed "
        "FROM issuer_identities i JOIN issuer_keys k ON k.key_id = i.signing_key_id "
        "WHERE i.institution_id = ANY($1::text[])",
        institution_ids,
    )


async def keys(conn: Connection, institution_id: str) -> list[Any]:
    """Every key the institution has had, newest first."""
    return await conn.fetch(
        "SELECT key_id, public_multibase, sealed_seed, created_at, retired_at FROM issuer_keys "
        "WHERE institution_id = $1 ORDER BY created_at DESC, key_id",
        institution_id,
    )


async def insert_key(
    conn: Connection, key_id: str, institution_id: str, public: str, sealed: str
) -> None:
    await conn.execute(
        "INSERT INTO issuer_keys (key_id, institution_id, public_multibase, sealed_seed) "
        "VALUES ($1, $2, $3, $4)",
        key_id,
        institution_id,
        public,
        sealed,
    )


async def retire_keys(conn: Connection, institution_id: str, except_key: str) -> None:
    await conn.execute(
        "UPDATE issuer_keys SET retired_at = now() WHERE institution_id = $1 "
        "AND key_id <> $2 AND retired_at IS NULL",
        institution_id,
        except_key,
    )


async def insert_identity(
    conn: Connection, institution_id: str, method: str, did: str, key_id: str
) -> bool:
    """False when another transaction created it first."""
    done = await conn.fetchval(
        "INSERT INTO issuer_identities (institution_id, method, did, signing_key_id) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (institution_id) DO NOTHING RETURNING true",
        institution_id,
        method,
        did,
        key_id,
    )
    return bool(done)


async def update_identity(
    conn: Connection, institution_id: str, method: str, did: str, key_id: str
) -> None:
    await conn.execute(
        "UPDATE issuer_identities SET method = $2, did = $3, signing_key_id = $4, "
        "updated_at = now() WHERE institution_id = $1",
        institution_id,
        method,
        did,
        key_id,
    )


async def delete_key(conn: Connection, key_id: str) -> None:
    await conn.execute("DELETE FROM issuer_keys WHERE key_id = $1", key_id)
