"""Institution rules: only the national body registers, changes, deactivates and
reactivates institutions.

Invariants: each change writes exactly one outbox row (``institution.registered``
/ ``institution.updated``, payload :class:`InstitutionState`) in the
transaction that makes it. An institution is named by its platform id or
its DEQAR id wherever a key is accepted. Its identifiers (DEQAR, ETER and
others) are unique across institutions (409 otherwise). Every state it ever
had is appended to ``institution_versions`` so "as of" questions can be
answered; the row itself changes in place for fast reads.

Deactivation keeps the institution (it is still found, read and listed, and
its credentials stay verifiable) and sets ``deactivated_at``, which an update
of its data leaves as it is; deactivating a deactivated institution, or
reactivating an active one, changes nothing and announces nothing (each
real change: a version in the history and one ``institution.updated``
carrying ``deactivated_at``, which the issuer reads to take no new results).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

import asyncpg

from meriter_registry.events import emit
from meriter_registry.institutions import repository
from meriter_registry.institutions.repository import InstitutionBrief as InstitutionBrief
from meriter_registry.institutions.schemas import (
    InstitutionIn,
    InstitutionOut,
    InstitutionRef,
    InstitutionSummary,
    StatusChange,
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

log = logging.getLogger(__name__)


def _state(out: InstitutionOut) -> InstitutionState:
    return InstitutionState(
        institution_id=out.id,
        **out.model_dump(
            mode="json",
            include={
                "deqar_id",
                "name_official",
                "name_english",
                "country",
                "city",
                "website",
                "identifiers",
                "deactivated_at",
            },
        ),
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
        await emit(conn, INSTITUTION_REGISTERED, institution_id, _state(out))
    return out


async def update_institution(
    conn: Connection, key: str, data: InstitutionIn, principal: Principal
) -> InstitutionOut:
    """Replace an institution's data (identifiers included); the old state stays in history."""
    authorize(principal, detail="only the national body updates institutions")
    institution_id = await resolve_institution(conn, key)
    async with conn.transaction():
        try:
            kept = await repository.update(conn, institution_id, data)
        except asyncpg.UniqueViolationError as exc:
            raise Conflict("another institution holds one of these identifiers") from exc
        out = InstitutionOut(id=institution_id, **kept, **data.model_dump(mode="json"))
        await repository.append_version(conn, institution_id, out.model_dump(mode="json"))
        await emit(conn, INSTITUTION_UPDATED, institution_id, _state(out))
    return out


async def deactivate_institution(
    conn: Connection, key: str, change: StatusChange, principal: Principal, now: datetime
) -> InstitutionOut:
    """Deactivate an institution from ``now`` (idempotent: one already deactivated
    keeps its instant and reason); it stays in the registry."""
    authorize(principal, detail="only the national body deactivates institutions")
    institution_id = await resolve_institution(conn, key)
    async with conn.transaction():
        changed = await repository.deactivate(conn, institution_id, now, change.reason)
        return await _record_if(conn, changed, institution_id, "deactivated", change, principal)


async def reactivate_institution(
    conn: Connection, key: str, change: StatusChange, principal: Principal
) -> InstitutionOut:
    """Make a deactivated institution active again (idempotent)."""
    authorize(principal, detail="only the national body reactivates institutions")
    institution_id = await resolve_institution(conn, key)
    async with conn.transaction():
        changed = await repository.reactivate(conn, institution_id)
        return await _record_if(conn, changed, institution_id, "reactivated", change, principal)


async def _record_if(
    conn: Connection,
    changed: bool,
    institution_id: str,
    action: str,
    change: StatusChange,
    principal: Principal,
) -> InstitutionOut:
    """The institution now; when ``changed``, its new state in the history with who
    did what and why, and announced."""
    out = await get_institution(conn, institution_id)
    if changed:
        audit = {"action": action, "reason": change.reason, "client_id": principal.client_id}
        version = {**out.model_dump(mode="json"), "change": audit}
        await repository.append_version(conn, institution_id, version)
        await emit(conn, INSTITUTION_UPDATED, institution_id, _state(out))
        # The reason is free text (it stays in the history): not logged.
        log.info(
            "institution %s",
            action,
            extra={"institution_id": institution_id, "client_id": principal.client_id},
        )
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
