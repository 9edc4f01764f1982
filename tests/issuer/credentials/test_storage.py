"""Signed credentials are kept as the very text that was signed."""

from __future__ import annotations

import asyncpg

from meriter_shared.db.types import Pool


async def test_the_signed_text_comes_back_byte_for_byte(pool: Pool) -> None:
    # Key order, spacing and escapes as the signer wrote them (jsonb would reorder).
    text = '{"z":1, "a":"\\u00e5sa","id":"urn:uuid:x","proof":{"b":2,"a":1}}'
    await pool.execute(
        "INSERT INTO credentials (credential_id, institution_id, issued_at, title, document) "
        "VALUES ('urn:uuid:x', 'inst', now(), 't', $1)",
        text,
    )
    assert await pool.fetchval("SELECT document FROM credentials") == text


async def test_the_documents_are_compressed_with_lz4_where_the_server_has_it(pool: Pool) -> None:
    async with pool.acquire() as conn:
        try:
            await conn.execute("SET default_toast_compression = 'lz4'")
            has_lz4 = True
        except asyncpg.PostgresError:  # a server built without lz4 refuses the value
            has_lz4 = False
        method = await conn.fetchval(
            "SELECT attcompression::text FROM pg_attribute "
            "WHERE attrelid = 'credentials'::regclass AND attname = 'document'"
        )
    assert method == ("l" if has_lz4 else "")
