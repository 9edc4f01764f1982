"""Every SQL statement about webhook endpoints."""

from __future__ import annotations

from typing import Any

from meriter_shared.db.types import Connection


async def create(
    conn: Connection,
    *,
    endpoint_id: str,
    institution_id: str,
    url: str,
    event_types: list[str],
    secret_sealed: str,
    description: str | None,
    idempotency_key: str | None,
) -> Any:
    return await conn.fetchrow(
        "INSERT INTO webhook_endpoints (id, institution_id, url, event_types, secret_sealed, "
        "description, idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, $7) "
        "ON CONFLICT (institution_id, idempotency_key) DO NOTHING RETURNING *",
        endpoint_id,
        institution_id,
        url,
        event_types,
        secret_sealed,
        description,
        idempotency_key,
    )


async def by_idempotency_key(conn: Connection, institution_id: str, key: str) -> Any:
    return await conn.fetchrow(
        "SELECT * FROM webhook_endpoints WHERE institution_id = $1 AND idempotency_key = $2",
        institution_id,
        key,
    )


async def count_live(conn: Connection, institution_id: str) -> int:
    n: int = await conn.fetchval(
        "SELECT count(*) FROM webhook_endpoints WHERE institution_id = $1 AND deleted_at IS NULL",
        institution_id,
    )
    return n


async def live_of(conn: Connection, institution_id: str) -> list[Any]:
    return list(
        await conn.fetch(
            "SELECT * FROM webhook_endpoints WHERE institution_id = $1 AND deleted_at IS NULL "
            "ORDER BY created_at, id",
            institution_id,
        )
    )


async def one(conn: Connection, institution_id: str, endpoint_id: str) -> Any:
    return await conn.fetchrow(
        "SELECT * FROM webhook_endpoints WHERE institution_id = $1 AND id = $2 "
        "AND deleted_at IS NULL",
        institution_id,
        endpoint_id,
    )


async def delete(conn: Connection, institution_id: str, endpoint_id: str) -> bool:
    done = await conn.fetchval(
        "UPDATE webhook_endpoints SET deleted_at = now() WHERE institution_id = $1 AND id = $2 "
        "AND deleted_at IS NULL RETURNING true",
        institution_id,
        endpoint_id,
    )
    return bool(done)
