"""Institution rules: only the national body registers and changes institutions.

Invariants: each change writes exactly one outbox row (``institution.registered``
/ ``institution.updated``, payload :class:`InstitutionState`) in the
transaction that makes it. An institution is named by its platform id or
its DEQAR id wherever a key is accepted. Its identifiers (DEQAR, ETER and
others) are unique across institutions (409 otherwise). Every state it ever
had is appended to ``institution_versions`` so "as of" questions can be
answered; the row itself changes in place for fast reads.
"""

from __future__ import annotations

import uuid

import asyncpg

from meriter_registry.events import emit
from meriter_registry.institutions import repository
from meriter_registry.institutions.repository import InstitutionBrief as InstitutionBrief
from meriter_registry.institutions.schemas import (
    InstitutionIn,
    InstitutionOut,
    InstitutionRef,
    InstitutionSummary,
)
from meriter_shared.auth import Principal, authorize
from meriter_shared.db.query import next_cursor
from meriter_shared.db.types import Connection
from meriter_shared.errors import Conflict, NotFound
from meriter_shared.events.registry import (
    INSTITUTION_REGISTERED,
    INSTITUTION_UPDATED,
    InstitutionState,
)


def _state(institution_id: str, data: InstitutionIn) -> InstitutionState:
    return InstitutionState(
        institution_id=institution_id,
        **data.model_dump(
            mode="json",
            include={"deqar_id", "name_official", "name_english", "country", "city"},
        ),
        website=str(data.website) if data.website else None,
        identifiers=[i.model_dump() for i in data.identifiers],
    )


async def register_institution(
    conn: Connection, data: InstitutionIn, principal: Principal
) -> InstitutionOut:
    authorize(principal, detail="only the national body registers institutions")
    institution_id = str(uuid.uuid4())
    async with conn.transaction():
        try:
            await repository.insert(conn, institution_id, data)
        except asyncpg.UniqueViolationError as exc:
            raise Conflict(
                "an institution with this DEQAR, ETER or other identifier exists"
            ) from exc
        out = InstitutionOut(id=institution_id, **data.model_dump(mode="json"))
        await repository.append_version(conn, institution_id, out.model_dump(mode="json"))
        await emit(conn, INSTITUTION_REGISTERED, institution_id, _state(institution_id, data))
    return out


async def update_institution(
    conn: Connection, key: str, data: InstitutionIn, principal: Principal
) -> InstitutionOut:
    """Replace an institution's data (identifiers included); the old state stays in history."""
    authorize(principal, detail="only the national body updates institutions")
    institution_id = await resolve_institution(conn, key)
    async with conn.transaction():
        try:
            await repository.update(conn, institution_id, data)
        except asyncpg.UniqueViolationError as exc:
            raise Conflict("another institution holds one of these identifiers") from exc
        out = InstitutionOut(id=institution_id, **data.model_dump(mode="json"))
        await repository.append_version(conn, institution_id, out.model_dump(mode="json"))
        await emit(conn, INSTITUTION_UPDATED, institution_id, _state(institution_id, data))
    return out


async def get_institution(conn: Connection, key: str) -> InstitutionOut:
    institution_id = await resolve_institution(conn, key)
    data = await repository.get(conn, institution_id)
    if data is None:
        raise NotFound(f"no institution {key}")
    return InstitutionOut.model_validate(data)


async def resolve_institution(conn: Connection, key: str) -> str:
    """The platform id of an institution named by platform id or DEQAR id."""
    found = await repository.resolve(conn, key)
    if found is None:
        raise NotFound(f"no institution {key}")
    return found


async def briefs(conn: Connection, institution_ids: list[str]) -> dict[str, InstitutionBrief]:
    """id → what a report submission shows and checks of each one found."""
    return {b.id: b for b in await repository.briefs(conn, institution_ids)}


async def find_by_ref(conn: Connection, ref: InstitutionRef) -> str | None:
    """The institution a submission names (by DEQAR id, else ETER id, else another)."""
    if ref.deqar_id:
        return await repository.find_by_deqar_id(conn, ref.deqar_id)
    if ref.eter_id:
        return await repository.find_by_eter_id(conn, ref.eter_id)
    return await repository.find_by_other_identifier(conn, ref.resource, ref.identifier)


async def get_by_identifier(conn: Connection, resource: str, identifier: str) -> InstitutionOut:
    """DEQAR's ``by-identifier/{resource}/{id}``; resource DEQAR and ETER name those ids."""
    upper = resource.upper()
    found = await repository.find_by_identifier(
        conn, upper if upper in ("DEQAR", "ETER") else resource, identifier
    )
    if found is None:
        raise NotFound(f"no institution with {resource} {identifier}")
    return await get_institution(conn, found)


async def search_institutions(
    conn: Connection,
    *,
    name: str | None = None,
    country: str | None = None,
    resource: str | None = None,
    identifier: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[InstitutionSummary], str | None]:
    """Filter, then page by id (cursor = last id seen)."""
    rows = await repository.search(
        conn,
        name=name,
        country=country,
        resource=resource,
        identifier=identifier,
        cursor=cursor,
        limit=limit,
    )
    found = [InstitutionSummary.model_validate(r) for r in rows]
    return found, next_cursor(found, limit, lambda i: i.id)
