"""Every SQL statement the qa-status question needs, read across ``institutions``,
``reports``, ``report_versions``, ``report_institutions``, ``report_flags`` and
``agency_versions`` (the tables' writers are the reports and agencies
aggregates; qa-status only reads them).

Rows leave this module typed: each report version as a :class:`QaReport`
(the rule's :class:`~meriter_shared.qa.ReportFacts` plus what an answer
shows), each agency's EQAR registrations as
:class:`~meriter_shared.qa.Registration` tuples. Strings that repeat across
many rows (agency ids, activity types, institution ids) are interned, so the
in-memory index (:mod:`.index`) holds each once.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from meriter_shared.db.types import Connection
from meriter_shared.qa import Decision, Registration, ReportFacts, Status

Flags = tuple[tuple[datetime, datetime | None], ...]


@dataclass(frozen=True, slots=True)
class QaReport:
    """One report version: the rule's facts and what an answer shows of it."""

    facts: ReportFacts
    local_identifier: str
    version: int
    activity_type: str
    valid_until: date
    institution_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class QaRows:
    """What one qa-status question reads: the institution's platform id, the report
    versions visible as of the question whose window holds the day, and their
    agencies' EQAR registrations as recorded then."""

    institution_id: str
    reports: tuple[QaReport, ...]
    registrations: dict[str, tuple[Registration, ...]]


@dataclass(frozen=True, slots=True)
class QaSnapshot:
    """What the in-memory index holds, read in one consistent snapshot: every
    current version, each agency's latest registrations, each institution's
    ``(id, deqar_id)``."""

    reports: tuple[QaReport, ...]
    registrations: dict[str, tuple[Registration, ...]]
    institutions: tuple[tuple[str, str | None], ...]


def _registrations(periods: Sequence[Mapping[str, Any]] | None) -> tuple[Registration, ...]:
    """An agency body's ``eqar_registrations`` (JSON, ISO dates) as the rule's periods."""
    return tuple(
        Registration(
            date.fromisoformat(p["registered_from"]),
            date.fromisoformat(p["registered_to"]) if p.get("registered_to") else None,
        )
        for p in periods or ()
    )


def _report(
    row: Mapping[str, Any], high_flags: Iterable[tuple[datetime, datetime | None]]
) -> QaReport:
    intern = sys.intern
    return QaReport(
        facts=ReportFacts(
            report_id=row["report_id"],
            agency_id=intern(row["agency_id"]),
            status=Status(row["status"]),
            decision=Decision(row["decision"]),
            valid_from=row["valid_from"],
            valid_to=row["valid_to"],
            recorded_at=row["recorded_at"],
            withdrawn_at=row["withdrawn_at"],
            withdrawn_on=row["withdrawn_on"],
            high_flags=tuple(high_flags),
        ),
        local_identifier=row["local_identifier"],
        version=row["version"],
        activity_type=intern(row["activity_type"]),
        valid_until=row["valid_until"],
        institution_ids=tuple(intern(i) for i in row["institution_ids"]),
    )


# The columns of a report version every query here reads (``v``: report_versions,
# ``r``: reports), institution ids sorted.
_VERSION_COLUMNS = (
    "v.report_id, v.version, v.agency_id, v.activity_type, v.status, v.decision, "
    "v.valid_from, v.valid_to, v.valid_until, v.recorded_at, v.withdrawn_at, v.withdrawn_on, "
    "r.local_identifier, array(SELECT institution_id FROM report_institutions x "
    "WHERE x.report_id = v.report_id AND x.version = v.version ORDER BY 1) AS institution_ids"
)

# One round trip: the institution by either key, then the reports visible as of
# the question whose validity window holds the date, each with its agency's
# EQAR registrations as recorded at that instant (agency_versions). The as-of
# filter and the date window run in SQL; the rule's remaining conditions run
# in Python (meriter_shared.qa) so the answer can say why each report in the
# window does not count. A row with a NULL report_id is an institution with no
# report in the window.
_QA_SQL = f"""
WITH inst AS (
    SELECT id FROM institutions WHERE id = $1
    UNION ALL
    SELECT id FROM institutions WHERE deqar_id = $1
    LIMIT 1
)
SELECT inst.id AS institution_id, q.* FROM inst LEFT JOIN LATERAL (
    SELECT {_VERSION_COLUMNS},
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
"""  # noqa: S608 (no input is formatted in: _VERSION_COLUMNS is a constant)


async def qa_rows(conn: Connection, key: str, as_of: datetime, on: date) -> QaRows | None:
    """None: no institution ``key`` (platform or DEQAR id). Otherwise its report
    versions visible ``as_of`` whose window holds ``on``, with their high flags
    and their agencies' registrations as recorded at ``as_of``."""
    found = await conn.fetch(_QA_SQL, key, as_of, on)
    if not found:
        return None
    rows = [r for r in found if r["report_id"] is not None]
    return QaRows(
        institution_id=found[0]["institution_id"],
        reports=tuple(
            _report(r, zip(r["flags_raised"], r["flags_lifted"], strict=True)) for r in rows
        ),
        registrations={r["agency_id"]: _registrations(r["registrations"]) for r in rows},
    )


async def snapshot(conn: Connection) -> QaSnapshot:
    """Everything qa-status needs as of now, read in one REPEATABLE READ transaction."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        versions = await conn.fetch(
            f"SELECT {_VERSION_COLUMNS} FROM report_versions v "  # noqa: S608 (a constant)
            "JOIN reports r ON r.id = v.report_id WHERE v.superseded_at IS NULL"
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
    raised: dict[str, list[tuple[datetime, datetime | None]]] = {}
    for f in flags:
        raised.setdefault(f["report_id"], []).append((f["raised_at"], f["lifted_at"]))
    return QaSnapshot(
        reports=tuple(_report(r, raised.get(r["report_id"], ())) for r in versions),
        registrations={a["agency_id"]: _registrations(a["registrations"]) for a in agencies},
        institutions=tuple((sys.intern(i["id"]), i["deqar_id"]) for i in institutions),
    )
