"""Every SQL statement about OAuth clients and signing keys (tables
``oauth_clients``, ``signing_keys``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from meriter_shared.db.types import Connection


@dataclass(frozen=True)
class ActiveClient:
    secret_hash: bytes
    role: str
    tenant_id: str | None


async def insert(
    conn: Connection,
    client_id: str,
    secret_hash: bytes,
    role: str,
    tenant_id: str | None,
    name: str,
) -> None:
    await conn.execute(
        "INSERT INTO oauth_clients (client_id, secret_hash, role, tenant_id, name) "
        "VALUES ($1, $2, $3, $4, $5)",
        client_id,
        secret_hash,
        role,
        tenant_id,
        name,
    )


async def lock_active_admins(conn: Connection) -> list[str]:
    """The ids of the active admin clients, locked until the transaction ends, so two
    revocations cannot each see another admin left and leave none."""
    rows = await conn.fetch(
        "SELECT client_id FROM oauth_clients WHERE role = 'admin' AND revoked_at IS NULL "
        "ORDER BY client_id FOR UPDATE"
    )
    return [r["client_id"] for r in rows]


async def revoke(conn: Connection, client_id: str, now: datetime) -> bool:
    """Mark an active client revoked; False if there is no active client of that id."""
    done = await conn.fetchval(
        "UPDATE oauth_clients SET revoked_at = $2 WHERE client_id = $1 "
        "AND revoked_at IS NULL RETURNING client_id",
        client_id,
        now,
    )
    return done is not None


async def active(conn: Connection, client_id: str) -> ActiveClient | None:
    """The client if it exists and is not revoked: "is this client active?", asked once."""
    row = await conn.fetchrow(
        "SELECT secret_hash, role, tenant_id FROM oauth_clients "
        "WHERE client_id = $1 AND revoked_at IS NULL",
        client_id,
    )
    if row is None:
        return None
    return ActiveClient(bytes(row["secret_hash"]), row["role"], row["tenant_id"])


async def exists(conn: Connection, client_id: str) -> bool:
    """Whether the id was ever given to a client (revoked ones included)."""
    return bool(
        await conn.fetchval("SELECT true FROM oauth_clients WHERE client_id = $1", client_id)
    )


@dataclass(frozen=True)
class StoredKey:
    """A signing key as stored: sealed, or (written by an older version) in the clear."""

    kid: str
    sealed: str | None
    plaintext_pem: str | None = field(default=None, repr=False)


def _stored(row: Any) -> StoredKey:
    return StoredKey(row["kid"], row["private_sealed"], row["private_pem"])


async def current_key(conn: Connection) -> StoredKey | None:
    """The newest key not retired."""
    row = await conn.fetchrow(
        "SELECT kid, private_sealed, private_pem FROM signing_keys WHERE retired_at IS NULL "
        "ORDER BY created_at DESC LIMIT 1"
    )
    return None if row is None else _stored(row)


async def add_key_once(conn: Connection, kid: str, sealed: str) -> StoredKey:
    """Store the sealed key unless ``kid`` is taken; whichever key holds ``kid``."""
    await conn.execute(
        "INSERT INTO signing_keys (kid, private_sealed) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        kid,
        sealed,
    )
    row = await conn.fetchrow(
        "SELECT kid, private_sealed, private_pem FROM signing_keys WHERE kid = $1", kid
    )
    assert row is not None
    return _stored(row)


async def all_keys(conn: Connection) -> list[StoredKey]:
    """Every key, retired ones included (tokens they signed may still be live)."""
    rows = await conn.fetch(
        "SELECT kid, private_sealed, private_pem FROM signing_keys ORDER BY created_at"
    )
    return [_stored(r) for r in rows]


async def lock_plaintext_keys(conn: Connection) -> list[StoredKey]:
    """Keys still stored in the clear, locked until the transaction ends."""
    rows = await conn.fetch(
        "SELECT kid, private_sealed, private_pem FROM signing_keys "
        "WHERE private_sealed IS NULL ORDER BY created_at FOR UPDATE"
    )
    return [_stored(r) for r in rows]


async def replace_with_sealed(conn: Connection, kid: str, sealed: str) -> None:
    """Keep the key sealed only: its clear PEM is gone from the row."""
    await conn.execute(
        "UPDATE signing_keys SET private_sealed = $2, private_pem = NULL WHERE kid = $1",
        kid,
        sealed,
    )
