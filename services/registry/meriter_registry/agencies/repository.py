"""Every SQL statement about agencies (tables ``agencies``,
``agency_registrations``, ``agency_versions``)."""

from __future__ import annotations

from typing import Any

from meriter_registry.agencies.schemas import Activity, AgencyIn, RegistrationPeriod
from meriter_shared.db.types import Connection


async def insert(conn: Connection, agency_id: str, data: AgencyIn) -> None:
    """The agency row; a taken acronym or DEQAR id raises UniqueViolationError."""
    await conn.execute(
        "INSERT INTO agencies (id, deqar_id, acronym, name, country, website) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        agency_id,
        data.deqar_id,
        data.acronym,
        data.name,
        data.country,
        str(data.website) if data.website else None,
    )


async def update(conn: Connection, agency_id: str, data: AgencyIn) -> None:
    """Replace the agency row's columns (UniqueViolationError if a key is taken)."""
    await conn.execute(
        "UPDATE agencies SET deqar_id = $2, acronym = $3, name = $4, country = $5, "
        "website = $6, updated_at = now() WHERE id = $1",
        agency_id,
        data.deqar_id,
        data.acronym,
        data.name,
        data.country,
        str(data.website) if data.website else None,
    )


async def add_registrations(
    conn: Connection, agency_id: str, periods: list[RegistrationPeriod]
) -> None:
    await conn.executemany(
        "INSERT INTO agency_registrations VALUES ($1, $2, $3)",
        [(agency_id, p.registered_from, p.registered_to) for p in periods],
    )


async def replace_activities(conn: Connection, agency_id: str, activities: list[Activity]) -> None:
    await conn.execute("DELETE FROM agency_activities WHERE agency_id = $1", agency_id)
    await conn.executemany(
        "INSERT INTO agency_activities (agency_id, position, deqar_id, activity, activity_type, "
        "local_identifier, valid_to) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [
            (agency_id, i, a.deqar_id, a.activity, a.activity_type, a.local_identifier, a.valid_to)
            for i, a in enumerate(activities)
        ],
    )


async def find_activity(conn: Connection, agency_id: str, key: str, local: bool) -> str | None:
    """The type of the agency's activity whose DEQAR id or name (``local``: local
    identifier) is ``key``, as DEQAR matches them; None if it has none."""
    rows = await conn.fetch(
        "SELECT deqar_id, activity, activity_type, local_identifier FROM agency_activities "
        "WHERE agency_id = $1 ORDER BY position",
        agency_id,
    )
    if local:
        return next((r["activity_type"] for r in rows if r["local_identifier"] == key), None)
    by_id = next((r["activity_type"] for r in rows if r["deqar_id"] == key), None)
    if by_id is not None:
        return str(by_id)
    # Names in any case, Unicode's: the database's C locale lowers ASCII only.
    wanted = key.casefold()
    return next((r["activity_type"] for r in rows if r["activity"].casefold() == wanted), None)


async def remove_registrations(conn: Connection, agency_id: str) -> None:
    await conn.execute("DELETE FROM agency_registrations WHERE agency_id = $1", agency_id)


async def append_version(conn: Connection, agency_id: str, body: dict[str, Any]) -> None:
    """History: the state as of the database clock at the statement (never two alike).
    qa-status reads an agency's registrations as of an instant from here."""
    await conn.execute(
        "INSERT INTO agency_versions VALUES ($1, clock_timestamp(), $2)", agency_id, body
    )


async def resolve(conn: Connection, key: str) -> str | None:
    """The id of the agency whose id, DEQAR id or acronym (in any case, as DEQAR
    matches acronyms) is ``key``."""
    found: str | None = await conn.fetchval(
        "SELECT id FROM agencies WHERE id = $1 OR deqar_id = $1 OR acronym = $1 "
        "ORDER BY id = $1 DESC, deqar_id = $1 DESC NULLS LAST LIMIT 1",
        key,
    )
    if found is not None:
        return found
    # In any case, Unicode's (UKÄ, ukä): the database's C locale lowers ASCII
    # only, so the comparison is made here; agencies are a few hundred at most.
    wanted = key.casefold()
    rows = await conn.fetch("SELECT id, acronym FROM agencies ORDER BY id")
    return next((str(r["id"]) for r in rows if r["acronym"].casefold() == wanted), None)


async def acronyms(conn: Connection, agency_ids: list[str]) -> dict[str, str]:
    rows = await conn.fetch(
        "SELECT id, acronym FROM agencies WHERE id = ANY($1::text[])", agency_ids
    )
    return {r["id"]: r["acronym"] for r in rows}


async def list_all(conn: Connection) -> list[dict[str, Any]]:
    """Every agency with its registrations (a JSON list), by acronym."""
    rows = await conn.fetch(
        "SELECT a.id, a.deqar_id, a.acronym, a.name, a.country, a.website, "
        "coalesce(json_agg(json_build_object('registered_from', r.registered_from, "
        "'registered_to', r.registered_to)) FILTER (WHERE r.agency_id IS NOT NULL), '[]') "
        "AS eqar_registrations, coalesce((SELECT json_agg(json_build_object("
        "'deqar_id', x.deqar_id, 'activity', x.activity, 'activity_type', x.activity_type, "
        "'local_identifier', x.local_identifier, 'valid_to', x.valid_to) ORDER BY x.position) "
        "FROM agency_activities x WHERE x.agency_id = a.id), '[]') AS activities FROM agencies a "
        "LEFT JOIN agency_registrations r ON r.agency_id = a.id "
        "GROUP BY a.id ORDER BY a.acronym"
    )
    return [dict(r) for r in rows]
