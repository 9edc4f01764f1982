"""Every SQL statement about offerings (tables ``offerings``, ``offering_versions``).

An offering's body is stored as the JSON of what was published
(:class:`OfferingIn`); listings return it with ``id``, ``institution_id`` and
``version`` beside it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from meriter_shared.db.query import Where
from meriter_shared.db.types import Connection


async def insert(
    conn: Connection, offering_id: str, institution_id: str, body: dict[str, Any], now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO offerings (id, institution_id, body, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $4)",
        offering_id,
        institution_id,
        body,
        now,
    )


async def next_version(
    conn: Connection, offering_id: str, institution_id: str, body: dict[str, Any], now: datetime
) -> int | None:
    """Replace the body and count up the version; None if the institution has no such offering."""
    version: int | None = await conn.fetchval(
        "UPDATE offerings SET body = $3, version = version + 1, updated_at = $4 "
        "WHERE id = $1 AND institution_id = $2 RETURNING version",
        offering_id,
        institution_id,
        body,
        now,
    )
    return version


async def append_version(
    conn: Connection, offering_id: str, version: int, body: dict[str, Any], now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO offering_versions VALUES ($1, $2, $3, $4)", offering_id, version, body, now
    )


def _listed(row: Any) -> dict[str, Any]:
    return {
        **row["body"],
        "id": row["id"],
        "institution_id": row["institution_id"],
        "version": row["version"],
    }


async def search(
    conn: Connection,
    *,
    institution_id: str | None,
    eqf_level: int | None,
    language: str | None,
    field_of_study: str | None,
    title: str | None,
    cursor: str | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Offerings across institutions by the specification's fields, paged by id."""
    where = Where()
    where.add_if(institution_id, "institution_id = {}")
    where.add_if(eqf_level, "(body->>'eqf_level')::int = {}")
    where.add_if(language, "body->>'language' = {}")
    where.add_if(field_of_study, "body->>'field_of_study' = {}")
    where.add_if(title, "body->>'title' ILIKE '%' || {} || '%'")
    where.after("id", cursor)
    sql, args = where.select(
        "SELECT id, institution_id, version, body FROM offerings", order_by="id", limit=limit
    )
    return [_listed(r) for r in await conn.fetch(sql, *args)]


async def of_institution(conn: Connection, institution_id: str) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT id, institution_id, version, body FROM offerings WHERE institution_id = $1 "
        "ORDER BY id",
        institution_id,
    )
    return [_listed(r) for r in rows]
