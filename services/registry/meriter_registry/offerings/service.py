"""Offering rules: an institution publishes and changes only its own offerings.

Invariants: each change writes exactly one outbox row in its transaction —
``offering.published`` for version 1, ``offering.updated`` for each next
one (payload :class:`OfferingState`) — and appends the version to
``offering_versions``. The admin may act for any institution; an offering
is changed only under the institution that owns it (404 otherwise).

An offering is published or changed only if the credential engine could
make a credential of it (:mod:`.annex_i`; a 422 naming each field at fault
otherwise, nothing written). Offerings stored before that rule stay
readable as they are; :func:`offerings_that_cannot_issue` finds them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from meriter_registry.events import emit
from meriter_registry.institutions import service as institutions
from meriter_registry.offerings import annex_i, repository
from meriter_registry.offerings.schemas import OfferingIn, OfferingOut
from meriter_shared.auth import Principal, Role, authorize
from meriter_shared.db.query import next_cursor
from meriter_shared.db.types import Connection
from meriter_shared.errors import NotFound, ValidationProblem
from meriter_shared.events.registry import OFFERING_PUBLISHED, OFFERING_UPDATED, OfferingState


def _state(out: OfferingOut) -> OfferingState:
    return OfferingState(**out.model_dump(mode="json"))


async def publish_offering(
    conn: Connection,
    institution_key: str,
    data: OfferingIn,
    principal: Principal,
    now: datetime,
    offering_id: str | None = None,
) -> OfferingOut:
    """Create an offering, or (``offering_id`` given) record its next version."""
    institution_id = await institutions.resolve_institution(conn, institution_key)
    authorize(principal, Role.INSTITUTION, tenant_id=institution_id)
    body = data.model_dump(mode="json")
    faults = annex_i.faults(body)
    if faults:
        raise ValidationProblem(
            "No credential could be issued for this offering (EU Annex I, as the issuer "
            "builds it); see errors.",
            errors=faults,
        )
    async with conn.transaction():
        if offering_id is None:
            offering_id, version = str(uuid.uuid4()), 1
            await repository.insert(conn, offering_id, institution_id, body, now)
        else:
            found = await repository.next_version(conn, offering_id, institution_id, body, now)
            if found is None:
                raise NotFound(f"no offering {offering_id} at this institution")
            version = found
        await repository.append_version(conn, offering_id, version, body, now)
        out = OfferingOut(id=offering_id, institution_id=institution_id, version=version, **body)
        kind = OFFERING_PUBLISHED if version == 1 else OFFERING_UPDATED
        await emit(conn, kind, offering_id, _state(out))
    return out


async def search_offerings(
    conn: Connection,
    *,
    institution: str | None = None,
    eqf_level: int | None = None,
    language: str | None = None,
    field_of_study: str | None = None,
    title: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], str | None]:
    """The offer across institutions (each offering's fields with id, institution, version)."""
    iid = await institutions.resolve_institution(conn, institution) if institution else None
    found = await repository.search(
        conn,
        institution_id=iid,
        eqf_level=eqf_level,
        language=language,
        field_of_study=field_of_study,
        title=title,
        cursor=cursor,
        limit=limit,
    )
    return found, next_cursor(found, limit, lambda o: str(o["id"]))


async def list_offerings(conn: Connection, institution_key: str) -> list[dict[str, Any]]:
    """Every offering of one institution, by id."""
    institution_id = await institutions.resolve_institution(conn, institution_key)
    return await repository.of_institution(conn, institution_id)


@dataclass(frozen=True, slots=True)
class CannotIssue:
    """A stored offering no credential can be made of, and why (one reason a fault)."""

    offering_id: str
    institution_id: str
    version: int
    title: Any
    reasons: list[str]


async def offerings_that_cannot_issue(
    conn: Connection, page: int = 500
) -> tuple[int, list[CannotIssue]]:
    """How many offerings are stored, and those no credential can be made of (stored
    before the rule), in id order; read a page at a time."""
    cursor: str | None = None
    checked, found = 0, []
    while True:
        offerings = await repository.search(
            conn,
            institution_id=None,
            eqf_level=None,
            language=None,
            field_of_study=None,
            title=None,
            cursor=cursor,
            limit=page,
        )
        checked += len(offerings)
        for offering in offerings:
            why = annex_i.reasons(offering)
            if why:
                found.append(
                    CannotIssue(
                        offering_id=str(offering["id"]),
                        institution_id=str(offering["institution_id"]),
                        version=int(offering["version"]),
                        title=offering.get("title"),
                        reasons=why,
                    )
                )
        if len(offerings) < page:
            return checked, found
        cursor = str(offerings[-1]["id"])
