"""Every SQL statement about reports (tables ``reports``, ``report_versions``,
``report_institutions``, ``report_flags``) but the qa-status question's (which
reads them in :mod:`meriter_registry.qa.repository`).

The temporal model (see migrations 0002 and 0009): a report's facts are never
updated in place. A resubmission closes the current version
(``superseded_at``) and adds the next; a withdrawal marks the current version,
once, with ``withdrawn_at`` (the instant it was recorded) and ``withdrawn_on``
(the day it takes effect). "As of T" reads the versions with
``recorded_at <= T < superseded_at``, and knows a withdrawal when
``withdrawn_at <= T``. ``superseded_at IS NULL`` is the current version,
withdrawn or not. Rows leave this module typed, never as records: a report
version as the API's :class:`~.schemas.ReportOut`, a flag as
:class:`~.schemas.FlagOut`, the rest as the frozen dataclasses below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from meriter_registry.reports.schemas import FlagOut, ReportOut, ReportQuery
from meriter_shared.db.query import Where
from meriter_shared.db.types import Connection


@dataclass(frozen=True, slots=True)
class ReportLock:
    """A report's row, locked for a change: its version in force and whether it is
    withdrawn."""

    id: str
    agency_id: str
    local_identifier: str
    current_version: int
    withdrawn_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReportKey:
    """What names a report: the registry's id, its agency and local identifier."""

    id: str
    agency_id: str
    local_identifier: str


@dataclass(frozen=True, slots=True)
class Content:
    """What a resubmission compares: the submitted body and the institution ids (sorted)."""

    body: dict[str, Any]
    institution_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StoredSubmission:
    """A report's current version as submitted (DEQAR's ``check/local-identifier``)."""

    report_id: str
    body: dict[str, Any]
    activity_type: str
    valid_from: date
    valid_to: date | None
    deqar_report_id: str | None
    institution_ids: tuple[str, ...]


def _version(row: Mapping[str, Any]) -> ReportOut:
    return ReportOut.model_validate({**row, "id": row["report_id"]})


# The sorted ids of the institutions version ``v`` names, as ``institution_ids``
# (a constant: the statements that splice it in take no input but their $n).
_INSTITUTION_IDS = (
    "array(SELECT institution_id FROM report_institutions x "
    "WHERE x.report_id = v.report_id AND x.version = v.version ORDER BY 1) AS institution_ids"
)
_LOCK = "SELECT id, agency_id, local_identifier, current_version, withdrawn_at FROM reports "


# --- submission and withdrawal -------------------------------------------------


async def lock_by_local_identifier(
    conn: Connection, agency_id: str, local_identifier: str
) -> ReportLock | None:
    """The agency's report, locked for the change."""
    row = await conn.fetchrow(
        _LOCK + "WHERE agency_id = $1 AND local_identifier = $2 FOR UPDATE",
        agency_id,
        local_identifier,
    )
    return None if row is None else ReportLock(**dict(row))


async def find_by_report_id(conn: Connection, key: str) -> ReportKey | None:
    """The report whose id or DEQAR report id is ``key``."""
    row = await conn.fetchrow(
        "SELECT id, agency_id, local_identifier FROM reports WHERE id = $1 "
        "UNION ALL SELECT id, agency_id, local_identifier FROM reports WHERE deqar_report_id = $1 "
        "LIMIT 1",
        key,
    )
    return None if row is None else ReportKey(**dict(row))


async def current_by_local_identifier(
    conn: Connection, agency_id: str, local_identifier: str
) -> StoredSubmission | None:
    """The agency's report's current version, as submitted."""
    row = await conn.fetchrow(
        "SELECT v.report_id, v.body, v.activity_type, v.valid_from, v.valid_to, "  # noqa: S608
        f"r.deqar_report_id, {_INSTITUTION_IDS} "
        "FROM reports r JOIN report_versions v ON v.report_id = r.id "
        "AND v.version = r.current_version WHERE r.agency_id = $1 AND r.local_identifier = $2",
        agency_id,
        local_identifier,
    )
    if row is None:
        return None
    return StoredSubmission(**{**dict(row), "institution_ids": tuple(row["institution_ids"])})


async def set_deqar_report_id(conn: Connection, report_id: str, deqar_report_id: str) -> None:
    """Record DEQAR's id of the report, unless it has one or another report holds it."""
    await conn.execute(
        "UPDATE reports SET deqar_report_id = $2 WHERE id = $1 AND deqar_report_id IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM reports WHERE deqar_report_id = $2)",
        report_id,
        deqar_report_id,
    )


async def lock(conn: Connection, report_id: str) -> ReportLock | None:
    """The report, locked for the change."""
    row = await conn.fetchrow(_LOCK + "WHERE id = $1 FOR UPDATE", report_id)
    return None if row is None else ReportLock(**dict(row))


async def content(conn: Connection, report_id: str, version: int) -> Content | None:
    """What one version holds (what a resubmission compares)."""
    row = await conn.fetchrow(
        "SELECT body, array(SELECT institution_id FROM report_institutions ri "
        "  WHERE ri.report_id = $1 AND ri.version = $2 ORDER BY 1) AS ids "
        "FROM report_versions WHERE report_id = $1 AND version = $2",
        report_id,
        version,
    )
    return None if row is None else Content(row["body"], tuple(row["ids"]))


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
) -> ReportOut | None:
    """Withdraw at ``now`` with effect on ``withdrawn_on``: the version it marks, or None."""
    report = await conn.fetchrow(
        "UPDATE reports SET withdrawn_at = $2, withdrawn_on = $3 WHERE id = $1 "
        "RETURNING local_identifier",
        report_id,
        now,
        withdrawn_on,
    )
    marked = await conn.fetchrow(
        "UPDATE report_versions v SET withdrawn_at = $2, withdrawn_on = $3 "  # noqa: S608
        "WHERE report_id = $1 AND superseded_at IS NULL AND withdrawn_at IS NULL "
        f"RETURNING v.*, {_INSTITUTION_IDS}",
        report_id,
        now,
        withdrawn_on,
    )
    if report is None or marked is None:
        return None
    return _version({**dict(marked), **dict(report)})


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


async def lift_flag(
    conn: Connection, report_id: str, flag_id: str, now: datetime
) -> FlagOut | None:
    """Lift a raised flag at ``now``: the flag, or None if there is no such raised flag."""
    row = await conn.fetchrow(
        "UPDATE report_flags SET lifted_at = $3 WHERE id = $1 AND report_id = $2 "
        "AND lifted_at IS NULL RETURNING id, report_id, level, reason, raised_at, lifted_at",
        flag_id,
        report_id,
        now,
    )
    return None if row is None else FlagOut.model_validate(dict(row))


# --- search ------------------------------------------------------------------


async def search(
    conn: Connection,
    query: ReportQuery,
    *,
    agency_id: str | None,
    institution_id: str | None,
    cursor: str | None,
    limit: int,
) -> list[ReportOut]:
    """Current versions (withdrawn ones too with ``include_withdrawn``) by DEQAR's
    filters, paged by id; the agency and institution as the service resolved them."""
    where = Where("v.superseded_at IS NULL")
    if not query.include_withdrawn:
        where.add("v.withdrawn_at IS NULL")
    where.add_if(agency_id, "v.agency_id = {}")
    where.add_if(query.local_identifier, "r.local_identifier = {}")
    where.add_if(
        institution_id,
        "EXISTS (SELECT 1 FROM report_institutions x WHERE x.report_id = v.report_id "
        "AND x.version = v.version AND x.institution_id = {})",
    )
    where.add_if(
        query.country,
        "EXISTS (SELECT 1 FROM report_institutions x JOIN institutions i ON i.id = "
        "x.institution_id WHERE x.report_id = v.report_id AND x.version = v.version "
        "AND i.country = {})",
    )
    where.add_if(query.activity_type, "v.activity_type = {}")
    where.add_if(query.status, "v.status = {}")
    where.add_if(query.decision, "v.decision = {}")
    where.add_if(query.valid_on, "v.valid_from <= {0} AND v.valid_until >= {0}")
    where.after("v.report_id", cursor)
    sql, args = where.select(
        f"SELECT v.*, r.local_identifier, {_INSTITUTION_IDS} "  # noqa: S608
        "FROM report_versions v JOIN reports r ON r.id = v.report_id",
        order_by="v.report_id",
        limit=limit,
    )
    return [_version(r) for r in await conn.fetch(sql, *args)]
