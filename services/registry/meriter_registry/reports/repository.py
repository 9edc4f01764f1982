"""Every SQL statement about reports (tables ``reports``, ``report_versions``,
``report_institutions``, ``report_flags``) and the qa-status question.

The temporal model (see migrations 0002 and 0009): a report's facts are never
updated in place. A resubmission closes the current version
(``superseded_at``) and adds the next; a withdrawal marks the current version,
once, with ``withdrawn_at`` (the instant it was recorded) and ``withdrawn_on``
(the day it takes effect). "As of T" reads the versions with
``recorded_at <= T < superseded_at``, and knows a withdrawal when
``withdrawn_at <= T``. ``superseded_at IS NULL`` is the current version,
withdrawn or not. Rows that describe a report version carry the version's
columns plus ``local_identifier`` and ``institution_ids`` (sorted).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from meriter_shared.db.query import Where
from meriter_shared.db.types import Connection

Row = Any  # an asyncpg Record

# --- submission and withdrawal -------------------------------------------------


async def lock_by_local_identifier(
    conn: Connection, agency_id: str, local_identifier: str
) -> Row | None:
    """``id, current_version, withdrawn_at`` of the agency's report, locked for the change."""
    return await conn.fetchrow(
        "SELECT id, current_version, withdrawn_at FROM reports "
        "WHERE agency_id = $1 AND local_identifier = $2 FOR UPDATE",
        agency_id,
        local_identifier,
    )


async def find_by_report_id(conn: Connection, key: str) -> Row | None:
    """``id, agency_id, local_identifier`` of the report whose id or DEQAR report id is ``key``."""
    return await conn.fetchrow(
        "SELECT id, agency_id, local_identifier FROM reports WHERE id = $1 "
        "UNION ALL SELECT id, agency_id, local_identifier FROM reports WHERE deqar_report_id = $1 "
        "LIMIT 1",
        key,
    )


async def current_by_local_identifier(
    conn: Connection, agency_id: str, local_identifier: str
) -> Row | None:
    """The agency's report's current version: ``report_id, body, activity_type,
    valid_from, valid_to, deqar_report_id, institution_ids`` (as submitted)."""
    return await conn.fetchrow(
        "SELECT v.report_id, v.body, v.activity_type, v.valid_from, v.valid_to, "
        "r.deqar_report_id, array(SELECT institution_id FROM report_institutions x "
        "WHERE x.report_id = v.report_id AND x.version = v.version ORDER BY 1) AS institution_ids "
        "FROM reports r JOIN report_versions v ON v.report_id = r.id "
        "AND v.version = r.current_version WHERE r.agency_id = $1 AND r.local_identifier = $2",
        agency_id,
        local_identifier,
    )


async def set_deqar_report_id(conn: Connection, report_id: str, deqar_report_id: str) -> None:
    """Record DEQAR's id of the report, unless it has one or another report holds it."""
    await conn.execute(
        "UPDATE reports SET deqar_report_id = $2 WHERE id = $1 AND deqar_report_id IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM reports WHERE deqar_report_id = $2)",
        report_id,
        deqar_report_id,
    )


async def lock(conn: Connection, report_id: str) -> Row | None:
    """``agency_id, current_version, withdrawn_at`` of the report, locked for the change."""
    return await conn.fetchrow(
        "SELECT agency_id, current_version, withdrawn_at FROM reports WHERE id = $1 FOR UPDATE",
        report_id,
    )


async def content(conn: Connection, report_id: str, version: int) -> Row | None:
    """``body`` and sorted institution ``ids`` of one version (what a resubmission compares)."""
    return await conn.fetchrow(
        "SELECT body, array(SELECT institution_id FROM report_institutions ri "
        "  WHERE ri.report_id = $1 AND ri.version = $2 ORDER BY 1) AS ids "
        "FROM report_versions WHERE report_id = $1 AND version = $2",
        report_id,
        version,
    )


async def insert_report(
    conn: Connection, report_id: str, agency_id: str, local_identifier: str
) -> None:
    await conn.execute(
        "INSERT INTO reports (id, agency_id, local_identifier, current_version) "
        "VALUES ($1, $2, $3, 1)",
        report_id,
        agency_id,
        local_identifier,
    )


async def supersede_current(conn: Connection, report_id: str, now: datetime) -> None:
    """Close the version in force (if any) at ``now``."""
    await conn.execute(
        "UPDATE report_versions SET superseded_at = $2 "
        "WHERE report_id = $1 AND superseded_at IS NULL",
        report_id,
        now,
    )


async def set_current_version(conn: Connection, report_id: str, version: int) -> None:
    """Point the report at ``version``; a resubmission after withdrawal reinstates it."""
    await conn.execute(
        "UPDATE reports SET current_version = $2, withdrawn_at = NULL, withdrawn_on = NULL "
        "WHERE id = $1",
        report_id,
        version,
    )


async def insert_version(
    conn: Connection,
    report_id: str,
    version: int,
    agency_id: str,
    *,
    activity_type: str,
    status: str,
    decision: str,
    valid_from: date,
    valid_to: date | None,
    valid_until: date,
    body: dict[str, Any],
    recorded_at: datetime,
    institution_ids: list[str],
) -> None:
    """The version and the institutions it names."""
    await conn.execute(
        "INSERT INTO report_versions (report_id, version, agency_id, activity_type, status, "
        "decision, valid_from, valid_to, valid_until, body, recorded_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        report_id,
        version,
        agency_id,
        activity_type,
        status,
        decision,
        valid_from,
        valid_to,
        valid_until,
        body,
        recorded_at,
    )
    await conn.executemany(
        "INSERT INTO report_institutions VALUES ($1, $2, $3)",
        [(iid, report_id, version) for iid in institution_ids],
    )


async def find_ids(conn: Connection, key: str, agency_id: str | None) -> list[str]:
    """The reports ``key`` names: the registry's id, else DEQAR's report id, else a
    local identifier (of ``agency_id``'s reports when given)."""
    rows = await conn.fetch(
        "SELECT id FROM reports WHERE id = $1 "
        "UNION SELECT id FROM reports WHERE deqar_report_id = $1 "
        "UNION SELECT id FROM reports WHERE local_identifier = $1 "
        "  AND ($2::text IS NULL OR agency_id = $2) "
        "  AND NOT EXISTS (SELECT 1 FROM reports WHERE id = $1 OR deqar_report_id = $1)",
        key,
        agency_id,
    )
    return sorted(r["id"] for r in rows)


async def withdraw(
    conn: Connection, report_id: str, now: datetime, withdrawn_on: date
) -> dict[str, Any] | None:
    """Withdraw at ``now`` with effect on ``withdrawn_on``: the version it marks, as a
    report version row, or None."""
    report = await conn.fetchrow(
        "UPDATE reports SET withdrawn_at = $2, withdrawn_on = $3 WHERE id = $1 "
        "RETURNING local_identifier",
        report_id,
        now,
        withdrawn_on,
    )
    marked = await conn.fetchrow(
        "UPDATE report_versions v SET withdrawn_at = $2, withdrawn_on = $3 "
        "WHERE report_id = $1 AND superseded_at IS NULL AND withdrawn_at IS NULL RETURNING v.*, "
        "array(SELECT institution_id FROM report_institutions x "
        "WHERE x.report_id = v.report_id AND x.version = v.version ORDER BY 1) AS institution_ids",
        report_id,
        now,
        withdrawn_on,
    )
    if report is None or marked is None:
        return None
    return {**dict(marked), **dict(report)}


# --- flags -----------------------------------------------------------------


async def exists(conn: Connection, report_id: str) -> bool:
    return bool(await conn.fetchval("SELECT true FROM reports WHERE id = $1", report_id))


async def insert_flag(
    conn: Connection, flag_id: str, report_id: str, level: str, reason: str, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO report_flags (id, report_id, level, reason, raised_at) "
        "VALUES ($1, $2, $3, $4, $5)",
        flag_id,
        report_id,
        level,
        reason,
        now,
    )


async def lift_flag(conn: Connection, report_id: str, flag_id: str, now: datetime) -> Row | None:
    """Lift a raised flag at ``now``: the flag, or None if there is no such raised flag."""
    return await conn.fetchrow(
        "UPDATE report_flags SET lifted_at = $3 WHERE id = $1 AND report_id = $2 "
        "AND lifted_at IS NULL RETURNING id, report_id, level, reason, raised_at, lifted_at",
        flag_id,
        report_id,
        now,
    )


# --- qa-status -------------------------------------------------------------

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
           v.withdrawn_at, v.withdrawn_on, r.local_identifier,
           array(SELECT institution_id FROM report_institutions x
                 WHERE x.report_id = v.report_id AND x.version = v.version ORDER BY 1)
               AS institution_ids,
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


async def qa_rows(conn: Connection, key: str, as_of: datetime, on: date) -> list[Row]:
    """No rows: no such institution. Otherwise one row per report version in the window
    (or one with ``report_id`` NULL), with ``registrations`` and high-flag intervals."""
    return await conn.fetch(_QA_SQL, key, as_of, on)


async def index_rows(conn: Connection) -> tuple[list[Row], list[Row], list[Row], list[Row]]:
    """Everything qa-status needs as of now, read in one snapshot (see qa_index.py):
    every current version (with ``local_identifier`` and sorted ``institution_ids``),
    the high flags, each agency's latest recorded ``registrations``, and each
    institution's ``id, deqar_id``."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        versions = await conn.fetch(
            "SELECT v.report_id, v.version, v.agency_id, v.activity_type, v.status, "
            "v.decision, v.valid_from, v.valid_to, v.valid_until, v.recorded_at, "
            "v.withdrawn_at, v.withdrawn_on, r.local_identifier, "
            "array(SELECT institution_id FROM report_institutions x WHERE x.report_id = "
            "v.report_id AND x.version = v.version ORDER BY 1) AS institution_ids "
            "FROM report_versions v JOIN reports r ON r.id = v.report_id "
            "WHERE v.superseded_at IS NULL"
        )
        flags = await conn.fetch(
            "SELECT report_id, raised_at, lifted_at FROM report_flags "
            "WHERE level = 'high' ORDER BY id"
        )
        agencies = await conn.fetch(
            "SELECT DISTINCT ON (agency_id) agency_id, body -> 'eqar_registrations' "
            "AS registrations FROM agency_versions ORDER BY agency_id, recorded_at DESC"
        )
        institutions = await conn.fetch("SELECT id, deqar_id FROM institutions")
    return versions, flags, agencies, institutions


# --- search ------------------------------------------------------------------


async def search(
    conn: Connection,
    *,
    agency_id: str | None,
    institution_id: str | None,
    country: str | None,
    activity_type: str | None,
    status: str | None,
    decision: str | None,
    valid_on: date | None,
    cursor: str | None,
    limit: int,
    local_identifier: str | None = None,
    include_withdrawn: bool = False,
) -> list[Row]:
    """Current versions (withdrawn ones too with ``include_withdrawn``) by DEQAR's
    filters, paged by id."""
    where = Where("v.superseded_at IS NULL")
    if not include_withdrawn:
        where.add("v.withdrawn_at IS NULL")
    where.add_if(agency_id, "v.agency_id = {}")
    where.add_if(local_identifier, "r.local_identifier = {}")
    where.add_if(
        institution_id,
        "EXISTS (SELECT 1 FROM report_institutions x WHERE x.report_id = v.report_id "
        "AND x.version = v.version AND x.institution_id = {})",
    )
    where.add_if(
        country,
        "EXISTS (SELECT 1 FROM report_institutions x JOIN institutions i ON i.id = "
        "x.institution_id WHERE x.report_id = v.report_id AND x.version = v.version "
        "AND i.country = {})",
    )
    where.add_if(activity_type, "v.activity_type = {}")
    where.add_if(status, "v.status = {}")
    where.add_if(decision, "v.decision = {}")
    where.add_if(valid_on, "v.valid_from <= {0} AND v.valid_until >= {0}")
    where.after("v.report_id", cursor)
    sql, args = where.select(
        "SELECT v.*, r.local_identifier, array(SELECT institution_id FROM "
        "report_institutions x WHERE x.report_id = v.report_id AND x.version = v.version "
        "ORDER BY 1) AS institution_ids FROM report_versions v JOIN reports r "
        "ON r.id = v.report_id",
        order_by="v.report_id",
        limit=limit,
    )
    return await conn.fetch(sql, *args)
