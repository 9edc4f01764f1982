"""Registry operations: each change and its event commit in one transaction.

Invariants: every change writes exactly one outbox row in the transaction
that makes it, so each change reaches ``registry.events`` once (the kernel's
relay publishes it). Tenant rules are checked here, not only in routes, so
the import path obeys them too: an agency submits and withdraws only its own
reports, an institution manages only its own offerings, the admin manages
agencies, institutions and clients. Report history is append-only (see the
migration): the rule in :mod:`meriter_shared.qa` is evaluated on the
versions visible ``as_of`` the question.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from meriter_registry.agencies import service as agencies
from meriter_registry.events import emit
from meriter_registry.institutions import service as institutions
from meriter_registry.reports.schemas import (
    FlagIn,
    FlagOut,
    QaStatus,
    ReportOut,
    ReportSubmission,
    SubmissionResult,
)
from meriter_shared.auth import Principal, Role, authorize
from meriter_shared.db.types import Connection
from meriter_shared.errors import Conflict, NotFound, ValidationProblem
from meriter_shared.events import registry as registry_events
from meriter_shared.events.registry import (
    ReportFlagState,
)
from meriter_shared.qa import (
    Decision,
    Registration,
    ReportFacts,
    Status,
    effective_valid_to,
    quality_assured,
)

# --- reports --------------------------------------------------------------


async def submit_report(
    conn: Connection, sub: ReportSubmission, principal: Principal, now: datetime
) -> SubmissionResult:
    """Record a DEQAR submission; the same (agency, local_identifier) updates it."""
    agency_id = await agencies.find_agency(conn, sub.agency)
    errors: list[dict[str, Any]] = []
    if agency_id is None:
        errors.append({"loc": ["body", "agency"], "msg": f"unknown agency {sub.agency}"})
    else:
        authorize(
            principal,
            Role.AGENCY,
            tenant_id=agency_id,
            detail="an agency submits only its own reports",
        )
    institution_ids: list[str] = []
    for i, ref in enumerate(sub.institutions):
        found = await institutions.find_by_ref(conn, ref)
        if found is None:
            errors.append({"loc": ["body", "institutions", i], "msg": "unknown institution"})
        elif found not in institution_ids:
            institution_ids.append(found)
    if errors:
        raise ValidationProblem("the report refers to unknown records", errors=errors)
    assert agency_id is not None
    valid_from, valid_to = sub.dates()
    body = sub.model_dump(mode="json")
    async with conn.transaction():
        row = await conn.fetchrow(
            "SELECT id, current_version, withdrawn_at FROM reports "
            "WHERE agency_id = $1 AND local_identifier = $2 FOR UPDATE",
            agency_id,
            sub.local_identifier,
        )
        if row is not None and row["withdrawn_at"] is None:
            current = await conn.fetchrow(
                "SELECT body, array(SELECT institution_id FROM report_institutions ri "
                "  WHERE ri.report_id = $1 AND ri.version = $2 ORDER BY 1) AS ids "
                "FROM report_versions WHERE report_id = $1 AND version = $2",
                row["id"],
                row["current_version"],
            )
            if (
                current
                and current["body"] == body
                and list(current["ids"]) == sorted(institution_ids)
            ):
                # Same content again (a re-run import): no new version, no event.
                return SubmissionResult(
                    submitted_report_id=row["id"], version=row["current_version"], created=False
                )
        if row is None:
            report_id, version, created = str(uuid.uuid4()), 1, True
            await conn.execute(
                "INSERT INTO reports (id, agency_id, local_identifier, current_version) "
                "VALUES ($1, $2, $3, 1)",
                report_id,
                agency_id,
                sub.local_identifier,
            )
        else:
            report_id, version, created = row["id"], row["current_version"] + 1, False
            await conn.execute(
                "UPDATE report_versions SET superseded_at = $2 "
                "WHERE report_id = $1 AND superseded_at IS NULL",
                report_id,
                now,
            )
            await conn.execute(
                "UPDATE reports SET current_version = $2, withdrawn_at = NULL WHERE id = $1",
                report_id,
                version,
            )
        await conn.execute(
            "INSERT INTO report_versions (report_id, version, agency_id, activity_type, status, "
            "decision, valid_from, valid_to, valid_until, body, recorded_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            report_id,
            version,
            agency_id,
            sub.activity_type.value,
            sub.status.value,
            sub.decision.value,
            valid_from,
            valid_to,
            effective_valid_to(valid_from, valid_to),
            body,
            now,
        )
        await conn.executemany(
            "INSERT INTO report_institutions VALUES ($1, $2, $3)",
            [(iid, report_id, version) for iid in institution_ids],
        )
        out = await _report_out(conn, report_id, version)
        kind = registry_events.REPORT_RECORDED if created else registry_events.REPORT_UPDATED
        await emit(conn, kind, report_id, out)
    return SubmissionResult(submitted_report_id=report_id, version=version, created=created)


async def withdraw_report(
    conn: Connection, report_id: str, principal: Principal, now: datetime
) -> ReportOut:
    async with conn.transaction():
        row = await conn.fetchrow(
            "SELECT agency_id, current_version, withdrawn_at FROM reports WHERE id = $1 FOR UPDATE",
            report_id,
        )
        if row is None:
            raise NotFound(f"no report {report_id}")
        authorize(principal, Role.AGENCY, tenant_id=row["agency_id"])
        if row["withdrawn_at"] is not None:
            raise Conflict("the report is already withdrawn")
        await conn.execute("UPDATE reports SET withdrawn_at = $2 WHERE id = $1", report_id, now)
        await conn.execute(
            "UPDATE report_versions SET superseded_at = $2 "
            "WHERE report_id = $1 AND superseded_at IS NULL",
            report_id,
            now,
        )
        out = await _report_out(conn, report_id, row["current_version"])
        await emit(conn, registry_events.REPORT_WITHDRAWN, report_id, out)
    return out


async def raise_flag(
    conn: Connection, report_id: str, data: FlagIn, principal: Principal, now: datetime
) -> FlagOut:
    """The national body flags a report; a high flag stops it counting from now."""
    authorize(principal, detail="only the national body flags reports")
    async with conn.transaction():
        if not await conn.fetchval("SELECT true FROM reports WHERE id = $1", report_id):
            raise NotFound(f"no report {report_id}")
        flag = FlagOut(
            id=f"flag_{uuid.uuid4().hex}",
            report_id=report_id,
            level=data.level,
            reason=data.reason,
            raised_at=now,
        )
        await conn.execute(
            "INSERT INTO report_flags (id, report_id, level, reason, raised_at) "
            "VALUES ($1, $2, $3, $4, $5)",
            flag.id,
            report_id,
            flag.level,
            flag.reason,
            now,
        )
        await emit(
            conn, registry_events.REPORT_FLAGGED, report_id, ReportFlagState(**flag.model_dump())
        )
    return flag


async def lift_flag(
    conn: Connection, report_id: str, flag_id: str, principal: Principal, now: datetime
) -> FlagOut:
    authorize(principal, detail="only the national body lifts flags")
    async with conn.transaction():
        row = await conn.fetchrow(
            "UPDATE report_flags SET lifted_at = $3 WHERE id = $1 AND report_id = $2 "
            "AND lifted_at IS NULL RETURNING id, report_id, level, reason, raised_at, lifted_at",
            flag_id,
            report_id,
            now,
        )
        if row is None:
            raise NotFound(f"no raised flag {flag_id} on report {report_id}")
        flag = FlagOut(**dict(row))
        await emit(
            conn,
            registry_events.REPORT_FLAG_LIFTED,
            report_id,
            ReportFlagState(**flag.model_dump()),
        )
    return flag


async def _report_out(conn: Connection, report_id: str, version: int) -> ReportOut:
    row = await conn.fetchrow(
        "SELECT v.*, r.local_identifier, r.withdrawn_at, "
        "  array(SELECT institution_id FROM report_institutions ri "
        "        WHERE ri.report_id = v.report_id AND ri.version = v.version "
        "        ORDER BY institution_id) AS institution_ids "
        "FROM report_versions v JOIN reports r ON r.id = v.report_id "
        "WHERE v.report_id = $1 AND v.version = $2",
        report_id,
        version,
    )
    if row is None:
        raise NotFound(f"no report {report_id}")
    return _report_from_row(row)


def _report_from_row(row: Any) -> ReportOut:
    return ReportOut(
        id=row["report_id"],
        agency_id=row["agency_id"],
        local_identifier=row["local_identifier"],
        version=row["version"],
        activity_type=row["activity_type"],
        status=row["status"],
        decision=row["decision"],
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
        valid_until=row["valid_until"],
        institution_ids=list(row["institution_ids"]),
        recorded_at=row["recorded_at"],
        withdrawn_at=row["withdrawn_at"],
    )


# One round trip: the institution by either key, then the reports visible as of
# the question whose validity window holds the date, each with its agency's
# EQAR registrations as recorded at that instant (agency_versions). The as-of
# filter and the date window run in SQL; the rule's remaining conditions run
# in Python (meriter_shared.qa) so the answer can say why each report in the
# window does not count. A row with a NULL report_id is an institution with no
# report in the window.
_QA_SQL = """
WITH inst AS (
    SELECT id FROM institutions WHERE id = $1
    UNION ALL
    SELECT id FROM institutions WHERE deqar_id = $1
    LIMIT 1
)
SELECT inst.id AS institution_id, q.* FROM inst LEFT JOIN LATERAL (
    SELECT v.report_id, v.version, v.agency_id, v.activity_type, v.status, v.decision,
           v.valid_from, v.valid_to, v.valid_until, v.recorded_at, v.superseded_at,
           r.local_identifier, r.withdrawn_at,
           array(SELECT institution_id FROM report_institutions x
                 WHERE x.report_id = v.report_id AND x.version = v.version) AS institution_ids,
           (SELECT av.body -> 'eqar_registrations' FROM agency_versions av
             WHERE av.agency_id = v.agency_id AND av.recorded_at <= $2
             ORDER BY av.recorded_at DESC LIMIT 1) AS registrations,
           array(SELECT f.raised_at FROM report_flags f
                 WHERE f.report_id = v.report_id AND f.level = 'high' ORDER BY f.id)
               AS flags_raised,
           array(SELECT f.lifted_at FROM report_flags f
                 WHERE f.report_id = v.report_id AND f.level = 'high' ORDER BY f.id)
               AS flags_lifted
    FROM report_institutions ri
    JOIN report_versions v ON v.report_id = ri.report_id AND v.version = ri.version
    JOIN reports r ON r.id = v.report_id
    WHERE ri.institution_id = inst.id
      AND v.recorded_at <= $2 AND (v.superseded_at IS NULL OR v.superseded_at > $2)
      AND v.valid_from <= $3 AND v.valid_until >= $3
) q ON true
"""


async def qa_status(conn: Connection, key: str, on: date, as_of: datetime) -> QaStatus:
    found = await conn.fetch(_QA_SQL, key, as_of, on)
    if not found:
        raise NotFound(f"no institution {key}")
    institution_id: str = found[0]["institution_id"]
    rows = [r for r in found if r["report_id"] is not None]
    # The agency's EQAR registrations as the registry knew them at as_of.
    registrations: dict[str, list[Registration]] = {
        r["agency_id"]: [
            Registration(
                date.fromisoformat(p["registered_from"]),
                date.fromisoformat(p["registered_to"]) if p.get("registered_to") else None,
            )
            for p in r["registrations"] or []
        ]
        for r in rows
    }
    facts = [
        ReportFacts(
            report_id=r["report_id"],
            agency_id=r["agency_id"],
            status=Status(r["status"]),
            decision=Decision(r["decision"]),
            valid_from=r["valid_from"],
            valid_to=r["valid_to"],
            recorded_at=r["recorded_at"],
            withdrawn_at=r["superseded_at"],
            high_flags=tuple(zip(r["flags_raised"], r["flags_lifted"], strict=True)),
        )
        for r in rows
    ]
    verdict = quality_assured(facts, registrations, on, as_of)
    by_id = {r["report_id"]: r for r in rows}
    return QaStatus(
        institution_id=institution_id,
        on=on,
        as_of=as_of,
        quality_assured=verdict.quality_assured,
        reports=[_report_from_row(by_id[f.report_id]) for f in verdict.justifying],
        not_counted=verdict.rejected,
    )


async def search_reports(
    conn: Connection,
    *,
    agency: str | None = None,
    institution: str | None = None,
    country: str | None = None,
    activity_type: str | None = None,
    status: str | None = None,
    decision: str | None = None,
    valid_on: date | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[ReportOut], str | None]:
    """Current (not withdrawn) report versions by DEQAR's report filters, paged by id."""
    # Only the fixed fragments below are joined into the SQL; values are bound.
    where = ["v.superseded_at IS NULL"]
    args: list[Any] = []

    def bind(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if agency is not None:
        agency_id = await agencies.find_agency(conn, agency)
        where.append(f"v.agency_id = {bind(agency_id)}")
    if institution is not None:
        iid = await institutions.resolve_institution(conn, institution)
        where.append(
            "EXISTS (SELECT 1 FROM report_institutions x WHERE x.report_id = v.report_id "  # noqa: S608
            f"AND x.version = v.version AND x.institution_id = {bind(iid)})"
        )
    if country is not None:
        where.append(
            "EXISTS (SELECT 1 FROM report_institutions x JOIN institutions i ON i.id = "  # noqa: S608
            "x.institution_id WHERE x.report_id = v.report_id AND x.version = v.version "
            f"AND i.country = {bind(country)})"
        )
    for column, value in (
        ("v.activity_type", activity_type),
        ("v.status", status),
        ("v.decision", decision),
    ):
        if value is not None:
            where.append(f"{column} = {bind(value)}")
    if valid_on is not None:
        p = bind(valid_on)
        where.append(f"v.valid_from <= {p} AND v.valid_until >= {p}")
    if cursor is not None:
        where.append(f"v.report_id > {bind(cursor)}")
    sql = (
        "SELECT v.*, r.local_identifier, r.withdrawn_at, array(SELECT institution_id FROM "  # noqa: S608
        "report_institutions x WHERE x.report_id = v.report_id AND x.version = v.version "
        "ORDER BY 1) AS institution_ids FROM report_versions v JOIN reports r "
        f"ON r.id = v.report_id WHERE {' AND '.join(where)} "
        f"ORDER BY v.report_id LIMIT {bind(limit)}"
    )
    rows = await conn.fetch(sql, *args)
    reports = [_report_from_row(r) for r in rows]
    return reports, (reports[-1].id if len(reports) == limit else None)
