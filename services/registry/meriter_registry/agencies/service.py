"""Agency rules: only the national body registers and changes agencies.

Invariants: each change writes exactly one outbox row (``agency.registered``
/ ``agency.updated``, payload :class:`AgencyState` with the EQAR
registrations) in the transaction that makes it. An agency is named by its
id, DEQAR id or acronym wherever a key is accepted; acronym and DEQAR id are
unique (409 otherwise). Every state it ever had, registrations included, is
appended to ``agency_versions``: qa-status as of an instant reads the
registrations recorded then, so a later change leaves earlier answers as
they were.
"""

from __future__ import annotations

import uuid

import asyncpg

from meriter_registry.agencies import repository
from meriter_registry.agencies.schemas import AgencyIn, AgencyListed, AgencyOut
from meriter_registry.events import emit
from meriter_shared.auth import Principal, authorize
from meriter_shared.db.types import Connection
from meriter_shared.errors import Conflict, NotFound
from meriter_shared.events.registry import AGENCY_REGISTERED, AGENCY_UPDATED, AgencyState


def _state(out: AgencyOut) -> AgencyState:
    return AgencyState(
        id=out.id,
        deqar_id=out.deqar_id,
        acronym=out.acronym,
        name=out.name,
        country=out.country,
        website=str(out.website) if out.website else None,
        eqar_registrations=[p.model_dump() for p in out.eqar_registrations],
    )


async def register_agency(conn: Connection, data: AgencyIn, principal: Principal) -> AgencyOut:
    authorize(principal, detail="only the national body registers agencies")
    agency_id = str(uuid.uuid4())
    async with conn.transaction():
        try:
            await repository.insert(conn, agency_id, data)
        except asyncpg.UniqueViolationError as exc:
            raise Conflict(f"an agency {data.acronym} exists") from exc
        await repository.add_registrations(conn, agency_id, data.eqar_registrations)
        await repository.replace_activities(conn, agency_id, data.activities)
        out = AgencyOut(id=agency_id, **data.model_dump())
        await repository.append_version(conn, agency_id, out.model_dump(mode="json"))
        await emit(conn, AGENCY_REGISTERED, agency_id, _state(out))
    return out


async def update_agency(
    conn: Connection, key: str, data: AgencyIn, principal: Principal
) -> AgencyOut:
    """Replace an agency's data and EQAR registration periods; history is appended."""
    authorize(principal, detail="only the national body updates agencies")
    agency_id = await find_agency(conn, key)
    if agency_id is None:
        raise NotFound(f"no agency {key}")
    async with conn.transaction():
        try:
            await repository.update(conn, agency_id, data)
        except asyncpg.UniqueViolationError as exc:
            raise Conflict(f"an agency {data.acronym} exists") from exc
        await repository.remove_registrations(conn, agency_id)
        await repository.add_registrations(conn, agency_id, data.eqar_registrations)
        await repository.replace_activities(conn, agency_id, data.activities)
        out = AgencyOut(id=agency_id, **data.model_dump())
        await repository.append_version(conn, agency_id, out.model_dump(mode="json"))
        await emit(conn, AGENCY_UPDATED, agency_id, _state(out))
    return out


async def find_agency(conn: Connection, key: str) -> str | None:
    """The id of the agency named by id, DEQAR id or acronym; None if there is none."""
    return await repository.resolve(conn, key)


async def activity_type(
    conn: Connection, agency_id: str, key: str, local: bool = False
) -> str | None:
    """The type of the agency's activity named ``key`` (DEQAR id or name; ``local``:
    the agency's local identifier); None if the agency lists no such activity."""
    return await repository.find_activity(conn, agency_id, key, local)


async def acronyms(conn: Connection, agency_ids: list[str]) -> dict[str, str]:
    """id → acronym of each agency found."""
    return await repository.acronyms(conn, agency_ids)


async def list_agencies(conn: Connection) -> list[AgencyListed]:
    return [AgencyListed.model_validate(r) for r in await repository.list_all(conn)]
