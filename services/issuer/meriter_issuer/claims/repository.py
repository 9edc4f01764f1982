"""Every SQL statement of claim links."""

from __future__ import annotations

from typing import Any

from meriter_shared.db.types import Connection


async def by_token_hash(conn: Connection, token_hash: str) -> Any:
    """The claim and its credential (with its status and the reason last given for a
    status change), or None; ``erased`` is set for an erased link."""
    return await conn.fetchrow(
        "SELECT cl.token_hash, cl.language, cl.expires_at, c.credential_id, c.document, "
        "c.revoked, c.suspended, c.status_reason, "
        "false AS erased FROM claims cl JOIN credentials c USING (credential_id) "
        "WHERE cl.token_hash = $1 "
        "UNION ALL SELECT token_hash, NULL, NULL, NULL, NULL, NULL, NULL, NULL, true "
        "FROM erased_claims "
        "WHERE token_hash = $1 LIMIT 1",
        token_hash,
    )
