"""Every SQL statement about institutions (tables ``institutions``,
``institution_identifiers``, ``institution_versions``).

Rows are returned as asyncpg records or plain values; the rules and the
mapping to response models live in :mod:`.service`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from meriter_registry.institutions.schemas import InstitutionIn
from meriter_shared.db.query import Where
from meriter_shared.db.types import Connection

Row = Any  # an asyncpg Record


def _columns(data: InstitutionIn) -> tuple[Any, ...]:
    return (
        data.deqar_id,
        data.eter_id,
        data.name_official,
        data.name_english,
        data.country,
        data.city,
        str(data.website) if data.website else None,
        data.qf_ehea_levels,
        data.is_other_provider,
    )


async def insert(conn: Connection, institution_id: str, data: InstitutionIn) -> None:
    """The institution and its identifiers; a taken key raises UniqueViolationError."""
    await conn.execute(
        "INSERT INTO institutions (id, deqar_id, eter_id, name_official, name_english, "
        "country, city, website, qf_ehea_levels, is_other_provider) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        institution_id,
        *_columns(data),
    )
    await _insert_identifiers(conn, institution_id, data)


async def update(conn: Connection, institution_id: str, data: InstitutionIn) -> dict[str, Any]:
    """Replace the institution's columns and identifiers (UniqueViolationError if taken);
    its ``deactivated_at`` and ``deactivation_reason``, which the data does not touch."""
    row = await conn.fetchrow(
        "UPDATE institutions SET deqar_id = $2, eter_id = $3, name_official = $4, "
        "name_english = $5, country = $6, city = $7, website = $8, qf_ehea_levels = $9, "
        "is_other_provider = $10, updated_at = now() WHERE id = $1 "
        "RETURNING deactivated_at, deactivation_reason",
        institution_id,
        *_columns(data),
    )
    await conn.execute(
        "DELETE FROM institution_identifiers WHERE institution_id = $1", institution_id
    )
    await _insert_identifiers(conn, institution_id, data)
    return dict(row) if row is not None else {}


async def deactivate(conn: Connection, institution_id: str, at: datetime, reason: str) -> bool:
    """Mark an active institution deactivated at ``at`` for ``reason``; False if it was
    already (its mark then stays as it is)."""
    changed: str | None = await conn.fetchval(
        "UPDATE institutions SET deactivated_at = $2, deactivation_reason = $3, "
        "updated_at = now() WHERE id = $1 AND deactivated_at IS NULL RETURNING id",
        institution_id,
        at,
        reason,
    )
    return changed is not None


async def reactivate(conn: Connection, institution_id: str) -> bool:
    """Clear a deactivated institution's mark; False if it was active."""
    changed: str | None = await conn.fetchval(
        "UPDATE institutions SET deactivated_at = NULL, deactivation_reason = NULL, "
        "updated_at = now() WHERE id = $1 AND deactivated_at IS NOT NULL RETURNING id",
        institution_id,
    )
    return changed is not None


async def _insert_identifiers(conn: Connection, institution_id: str, data: InstitutionIn) -> None:
    await conn.executemany(
        "INSERT INTO institution_identifiers (institution_id, resource, identifier, "
        "valid_from, valid_to) VALUES ($1, $2, $3, $4, $5)",
        [
            (institution_id, i.resource, i.identifier, i.valid_from, i.valid_to)
            for i in data.identifiers
        ],
    )


async def append_version(conn: Connection, institution_id: str, body: dict[str, Any]) -> None:
    """History: the state as of the database clock at the statement (never two alike)."""
    await conn.execute(
        "INSERT INTO institution_versions VALUES ($1, clock_timestamp(), $2)",
        institution_id,
        body,
    )


async def get(conn: Connection, institution_id: str) -> dict[str, Any] | None:
    """The institution's columns with ``identifiers`` (sorted), or None."""
    row = await conn.fetchrow("SELECT * FROM institutions WHERE id = $1", institution_id)
    if row is None:
        return None
    idents = await conn.fetch(
        "SELECT resource, identifier, valid_from, valid_to FROM institution_identifiers "
        "WHERE institution_id = $1 ORDER BY resource, identifier",
        institution_id,
    )
    data = dict(row)
    data["qf_ehea_levels"] = list(data["qf_ehea_levels"])
    data["identifiers"] = [dict(i) for i in idents]
    return data


async def resolve(conn: Connection, key: str) -> str | None:
    """The platform id of the institution whose platform id or DEQAR id is ``key``."""
    found: str | None = await conn.fetchval(
        "SELECT id FROM institutions WHERE id = $1 OR deqar_id = $1 LIMIT 1", key
    )
    return found


@dataclass(frozen=True, slots=True)
class InstitutionBrief:
    """What a report submission shows and checks of an institution it names."""

    id: str
    deqar_id: str | None
    eter_id: str | None
    name_official: str
    is_other_provider: bool


async def briefs(conn: Connection, institution_ids: list[str]) -> list[InstitutionBrief]:
    """Each of these institutions found, briefly."""
    rows = await conn.fetch(
        "SELECT id, deqar_id, eter_id, name_official, is_other_provider FROM institutions "
        "WHERE id = ANY($1::text[])",
        institution_ids,
    )
    return [InstitutionBrief(**dict(r)) for r in rows]


async def find_by_deqar_id(conn: Connection, deqar_id: str) -> str | None:
    found: str | None = await conn.fetchval(
        "SELECT id FROM institutions WHERE deqar_id = $1", deqar_id
    )
    return found


async def find_by_eter_id(conn: Connection, eter_id: str) -> str | None:
    found: str | None = await conn.fetchval(
        "SELECT id FROM institutions WHERE eter_id = $1", eter_id
    )
    return found


async def find_by_other_identifier(
    conn: Connection, resource: str | None, identifier: str | None
) -> str | None:
    found: str | None = await conn.fetchval(
        "SELECT institution_id FROM institution_identifiers WHERE resource = $1 "
        "AND identifier = $2 LIMIT 1",
        resource,
        identifier,
    )
    return found


async def find_by_identifier(conn: Connection, resource: str, identifier: str) -> str | None:
    """DEQAR's by-identifier lookup; ``resource`` DEQAR and ETER name those columns."""
    found: str | None = await conn.fetchval(
        "SELECT id FROM institutions WHERE ($1 = 'DEQAR' AND deqar_id = $2) "
        "OR ($1 = 'ETER' AND eter_id = $2) UNION SELECT institution_id FROM "
        "institution_identifiers WHERE resource = $1 AND identifier = $2 LIMIT 1",
        resource,
        identifier,
    )
    return found


# The identifier filter, by resource: DEQAR and ETER ids are also columns.
_BY_IDENTIFIER = (
    "i.id IN (SELECT institution_id FROM institution_identifiers "
    "WHERE resource = {0} AND identifier = {1})"
)
_BY_IDENTIFIER_OR_COLUMN = {
    "DEQAR": _BY_IDENTIFIER + " OR i.deqar_id = {1}",
    "ETER": _BY_IDENTIFIER + " OR i.eter_id = {1}",
}


async def search(
    conn: Connection,
    *,
    name: str | None,
    country: str | None,
    resource: str | None,
    identifier: str | None,
    cursor: str | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Institutions as a search lists them, filtered and paged by id."""
    where = Where()
    where.add_if(
        f"%{name}%" if name else None, "i.name_official ILIKE {0} OR i.name_english ILIKE {0}"
    )
    where.add_if(country, "i.country = {}")
    where.after("i.id", cursor)
    if resource and identifier:
        fragment = _BY_IDENTIFIER_OR_COLUMN.get(resource.upper(), _BY_IDENTIFIER)
        where.add(fragment, resource, identifier)
    sql, args = where.select(
        "SELECT i.id, i.deqar_id, i.eter_id, i.name_official, i.name_english, i.country, "
        "i.city, i.website, i.deactivated_at FROM institutions i",
        order_by="i.id",
        limit=limit,
    )
    return [dict(r) for r in await conn.fetch(sql, *args)]
