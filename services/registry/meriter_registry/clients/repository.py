"""Every SQL statement about OAuth clients and signing keys (tables
``oauth_clients``, ``signing_keys``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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


async def current_key(conn: Connection) -> tuple[str, str] | None:
    """(kid, private PEM) of the newest key not retired."""
    row = await conn.fetchrow(
        "SELECT kid, private_pem FROM signing_keys WHERE retired_at IS NULL "
        "ORDER BY created_at DESC LIMIT 1"
    )
    return None if row is None else (row["kid"], row["private_pem"])


async def add_key_once(conn: Connection, kid: str, pem: str) -> tuple[str, str]:
    """Store the key unless ``kid`` is taken; (kid, PEM) of whichever key holds it."""
    await conn.execute(
        "INSERT INTO signing_keys (kid, private_pem) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        kid,
        pem,
    )
    row = await conn.fetchrow("SELECT kid, private_pem FROM signing_keys WHERE kid = $1", kid)
    assert row is not None
    return row["kid"], row["private_pem"]


async def all_keys(conn: Connection) -> list[tuple[str, str]]:
    """(kid, PEM) of every key, retired ones included (tokens they signed may still be live)."""
    rows = await conn.fetch("SELECT kid, private_pem FROM signing_keys ORDER BY created_at")
    return [(r["kid"], r["private_pem"]) for r in rows]
