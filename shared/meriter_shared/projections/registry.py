"""The registry projection: institutions, agencies, reports, flags, offerings.

The issuer and the verifier both decide "was this institution quality
assured on D?" with the rule in :mod:`meriter_shared.qa`, over their own copy
of ``registry.events`` (schema: ``projections/migrations``; include
``PROJECTION_MIGRATIONS`` in the service's migrations). ``subscriptions``
gives the handlers to put in a consumer; ``on_change`` (optional) runs in the
same transaction with the institutions whose QA answer may have changed, so
a service can act on it (the issuer releases held results).

Guards make every handler idempotent and order-tolerant: institutions and
agencies by event time, reports and offerings by version (a withdrawal keeps
its version and sets ``withdrawn_at``), flags by id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from typing import Any

from meriter_shared.db.types import Connection
from meriter_shared.events.envelope import CloudEvent
from meriter_shared.events.registry import (
    AgencyRegistered,
    AgencyState,
    AgencyUpdated,
    InstitutionRegistered,
    InstitutionState,
    InstitutionUpdated,
    OfferingPublished,
    OfferingState,
    OfferingUpdated,
    ReportFlagged,
    ReportFlagLifted,
    ReportFlagState,
    ReportRecorded,
    ReportState,
    ReportUpdated,
    ReportWithdrawn,
)
from meriter_shared.messaging.consumer import Subscription, on
from meriter_shared.qa import (
    Decision,
    Registration,
    ReportFacts,
    Status,
    Verdict,
    quality_assured,
)

PROJECTION_MIGRATIONS = "meriter_shared.projections"
OnChange = Callable[[Connection, Sequence[str]], Awaitable[None]]


async def apply_institution(conn: Connection, state: InstitutionState, event: CloudEvent) -> None:
    await conn.execute(
        """INSERT INTO registry_institutions AS i (institution_id, deqar_id, state, event_at)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (institution_id) DO UPDATE
              SET deqar_id = EXCLUDED.deqar_id, state = EXCLUDED.state,
                  event_at = EXCLUDED.event_at, applied_count = i.applied_count + 1
            WHERE i.event_at <= EXCLUDED.event_at""",
        state.institution_id,
        state.deqar_id,
        state.model_dump(mode="json"),
        event.time,
    )


async def apply_agency(conn: Connection, state: AgencyState, event: CloudEvent) -> list[str]:
    changed = await conn.fetchval(
        """INSERT INTO registry_agencies AS a (agency_id, state, event_at) VALUES ($1, $2, $3)
           ON CONFLICT (agency_id) DO UPDATE SET state = EXCLUDED.state,
                  event_at = EXCLUDED.event_at
            WHERE a.event_at <= EXCLUDED.event_at
           RETURNING true""",
        state.id,
        state.model_dump(mode="json"),
        event.time,
    )
    if not changed:
        return []
    # A change of EQAR registration may change the answer for every
    # institution this agency has reports on.
    rows = await conn.fetch(
        "SELECT DISTINCT unnest(institution_ids) AS i FROM registry_reports "
        "WHERE state ->> 'agency_id' = $1",
        state.id,
    )
    return [r["i"] for r in rows]


async def apply_report(conn: Connection, state: ReportState) -> list[str]:
    """Keep the version in force; the institutions it names now or named before."""
    before = await conn.fetchval(
        "SELECT institution_ids FROM registry_reports WHERE report_id = $1 FOR UPDATE", state.id
    )
    applied = await conn.fetchval(
        """INSERT INTO registry_reports AS r (report_id, version, institution_ids, state, event_at)
           VALUES ($1, $2, $3, $4, now())
           ON CONFLICT (report_id) DO UPDATE
              SET version = EXCLUDED.version, institution_ids = EXCLUDED.institution_ids,
                  state = EXCLUDED.state, event_at = now()
            WHERE r.version < EXCLUDED.version
               OR (r.version = EXCLUDED.version AND r.state <> EXCLUDED.state)
           RETURNING true""",
        state.id,
        state.version,
        state.institution_ids,
        state.model_dump(mode="json"),
    )
    return sorted({*state.institution_ids, *(before or [])}) if applied else []


async def apply_flag(conn: Connection, state: ReportFlagState) -> list[str]:
    await conn.execute(
        """INSERT INTO registry_report_flags AS f (flag_id, report_id, level, raised_at, lifted_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (flag_id) DO UPDATE
              SET lifted_at = COALESCE(EXCLUDED.lifted_at, f.lifted_at)""",
        state.id,
        state.report_id,
        state.level,
        state.raised_at,
        state.lifted_at,
    )
    ids = await conn.fetchval(
        "SELECT institution_ids FROM registry_reports WHERE report_id = $1", state.report_id
    )
    return list(ids or [])


async def apply_offering(conn: Connection, state: OfferingState) -> None:
    await conn.execute(
        """INSERT INTO registry_offerings AS o (offering_id, institution_id, version, state)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (offering_id) DO UPDATE
              SET institution_id = EXCLUDED.institution_id, version = EXCLUDED.version,
                  state = EXCLUDED.state
            WHERE o.version < EXCLUDED.version""",
        state.id,
        state.institution_id,
        state.version,
        state.model_dump(mode="json"),
    )


def subscriptions(on_change: OnChange | None = None) -> list[Subscription[Any]]:
    """The handlers that keep the projection, for a service's consumer."""

    async def changed(conn: Connection, institution_ids: Sequence[str]) -> None:
        if on_change is not None and institution_ids:
            await on_change(conn, institution_ids)

    async def institution(conn: Connection, state: InstitutionState, event: CloudEvent) -> None:
        await apply_institution(conn, state, event)
        await changed(conn, [state.institution_id])

    async def agency(conn: Connection, state: AgencyState, event: CloudEvent) -> None:
        await changed(conn, await apply_agency(conn, state, event))

    async def report(conn: Connection, state: ReportState, _event: CloudEvent) -> None:
        await changed(conn, await apply_report(conn, state))

    async def flag(conn: Connection, state: ReportFlagState, _event: CloudEvent) -> None:
        await changed(conn, await apply_flag(conn, state))

    async def offering(conn: Connection, state: OfferingState, _event: CloudEvent) -> None:
        await apply_offering(conn, state)
        await changed(conn, [state.institution_id])

    return [
        on(InstitutionRegistered, institution),
        on(InstitutionUpdated, institution),
        on(AgencyRegistered, agency),
        on(AgencyUpdated, agency),
        on(ReportRecorded, report),
        on(ReportUpdated, report),
        on(ReportWithdrawn, report),
        on(ReportFlagged, flag),
        on(ReportFlagLifted, flag),
        on(OfferingPublished, offering),
        on(OfferingUpdated, offering),
    ]


# --- reading it -------------------------------------------------------------


async def institution(conn: Connection, key: str) -> InstitutionState | None:
    """An institution by platform id or DEQAR id."""
    state = await conn.fetchval(
        "SELECT state FROM registry_institutions WHERE institution_id = $1 OR deqar_id = $1 "
        "ORDER BY institution_id = $1 DESC LIMIT 1",
        key,
    )
    return InstitutionState.model_validate(state) if state is not None else None


async def offering(conn: Connection, offering_id: str) -> OfferingState | None:
    state = await conn.fetchval(
        "SELECT state FROM registry_offerings WHERE offering_id = $1", offering_id
    )
    return OfferingState.model_validate(state) if state is not None else None


async def offering_owners(conn: Connection, offering_ids: Sequence[str]) -> dict[str, str]:
    """offering id → the institution that publishes it, for the offerings known."""
    rows = await conn.fetch(
        "SELECT offering_id, institution_id FROM registry_offerings "
        "WHERE offering_id = ANY($1::text[])",
        list(offering_ids),
    )
    return {r["offering_id"]: r["institution_id"] for r in rows}


async def agencies(conn: Connection, agency_ids: Sequence[str]) -> dict[str, AgencyState]:
    rows = await conn.fetch(
        "SELECT state FROM registry_agencies WHERE agency_id = ANY($1::text[])", list(agency_ids)
    )
    out = [AgencyState.model_validate(r["state"]) for r in rows]
    return {a.id: a for a in out}


async def reports_of(conn: Connection, institution_id: str) -> list[ReportState]:
    rows = await conn.fetch(
        "SELECT state FROM registry_reports WHERE institution_ids @> ARRAY[$1]::text[]",
        institution_id,
    )
    return [ReportState.model_validate(r["state"]) for r in rows]


async def qa_verdict(
    conn: Connection, institution_id: str, on: date, as_of: datetime
) -> tuple[Verdict, dict[str, ReportState], dict[str, AgencyState]]:
    """The rule applied to this projection: the verdict with the reports and agencies it used."""
    reports = await reports_of(conn, institution_id)
    flag_rows = await conn.fetch(
        "SELECT report_id, raised_at, lifted_at FROM registry_report_flags "
        "WHERE level = 'high' AND report_id = ANY($1::text[])",
        [r.id for r in reports],
    )
    flags: dict[str, list[tuple[datetime, datetime | None]]] = {}
    for f in flag_rows:
        flags.setdefault(f["report_id"], []).append((f["raised_at"], f["lifted_at"]))
    by_agency = await agencies(conn, sorted({r.agency_id for r in reports}))
    registrations = {
        agency_id: [Registration(p.registered_from, p.registered_to) for p in a.eqar_registrations]
        for agency_id, a in by_agency.items()
    }
    facts = [
        ReportFacts(
            report_id=r.id,
            agency_id=r.agency_id,
            status=Status(r.status),
            decision=Decision(r.decision),
            valid_from=r.valid_from,
            valid_to=r.valid_to,
            recorded_at=r.recorded_at,
            withdrawn_at=r.withdrawn_at,
            withdrawn_on=r.withdrawn_on,
            high_flags=tuple(flags.get(r.id, ())),
        )
        for r in reports
    ]
    verdict = quality_assured(facts, registrations, on, as_of)
    return verdict, {r.id: r for r in reports}, by_agency
