"""Report rules: submissions, resubmissions, withdrawal, flags, search — the
reports aggregate's one door (its routes, the CLI and other aggregates call
only this module; the work of a submission is in :mod:`.submission` and
:mod:`.csv_io`).

Invariants:

* Every change writes exactly one outbox row in the transaction that makes
  it (``report.recorded`` / ``report.updated`` / ``report.withdrawn`` with
  the version in force as :class:`ReportState`; ``report.flagged`` /
  ``report.flag_lifted`` with :class:`ReportFlagState`), so each change
  reaches ``registry.events`` once.
* Tenant rules are checked here, not only in routes, so every path (HTTP,
  CSV, import) obeys them: an agency submits and withdraws only its own
  reports; only the national body flags them.
* A CSV submission is all or nothing (:func:`submit_csv`): one transaction
  for every report in it, rolled back when any record is rejected.
* ``(agency, local_identifier)`` names one report: submitting it again
  records the next version — or nothing at all (no version, no event) when
  the content and institutions are what is in force already, so a re-run
  import changes nothing. Resubmitting a withdrawn report reinstates it.
* A withdrawal (:func:`withdraw_report`) has the instant it is recorded and
  the day it takes effect: the report stops counting for dates from that day
  on, and answers as of an earlier instant are unchanged.
* Report history is append-only (see the migration): qa-status
  (:mod:`meriter_registry.qa`) reads the versions visible ``as_of`` its
  question.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime
from typing import Any

from meriter_registry.agencies import service as agencies
from meriter_registry.events import emit
from meriter_registry.institutions import service as institutions
from meriter_registry.reports import csv_io, repository, submission
from meriter_registry.reports.csv_io import EXPORT_COLUMNS as EXPORT_COLUMNS
from meriter_registry.reports.csv_io import export_rows as export_rows
from meriter_registry.reports.schemas import (
    FlagIn,
    FlagOut,
    ReportOut,
    ReportQuery,
    ReportSubmission,
    SubmissionResult,
    SubmittedReport,
)
from meriter_registry.reports.shapes import flag_state, report_state
from meriter_shared.auth import Principal, Role, authorize
from meriter_shared.db.query import next_cursor
from meriter_shared.db.types import Connection
from meriter_shared.errors import Conflict, NotFound
from meriter_shared.events.registry import (
    REPORT_FLAG_LIFTED,
    REPORT_FLAGGED,
    REPORT_WITHDRAWN,
)

# --- submission ----------------------------------------------------------------


def _may_submit(principal: Principal) -> Callable[[str], None]:
    """The tenant rule of a submission: an agency submits only its own reports."""

    def check(agency_id: str) -> None:
        authorize(
            principal,
            Role.AGENCY,
            tenant_id=agency_id,
            detail="an agency submits only its own reports",
        )

    return check


def references(conn: Connection, principal: Principal) -> submission.References:
    """The lookups of one submission by ``principal`` (agencies, institutions, activities)."""
    return submission.References(conn, _may_submit(principal))


async def submit_report(
    conn: Connection,
    sub: ReportSubmission,
    principal: Principal,
    now: datetime,
    *,
    update_only: bool = False,
) -> SubmissionResult:
    """Record a DEQAR submission (see :func:`.submission.submit`); ``update_only``
    (DEQAR v2's PUT): the report must exist, else a 422 naming its key."""
    return await submission.submit(
        conn, sub, references(conn, principal), now, update_only=update_only
    )


async def check_local_identifier(
    conn: Connection, agency: str, local_identifier: str
) -> SubmittedReport:
    """DEQAR's ``check/local-identifier`` (see :func:`.submission.check_local_identifier`)."""
    return await submission.check_local_identifier(conn, agency, local_identifier)


async def submit_csv(
    conn: Connection,
    body: AsyncIterator[bytes],
    principal: Principal,
    now: datetime,
    *,
    max_records: int,
    max_record_bytes: int = 65_536,
    detailed_errors: int = 100,
) -> list[dict[str, Any]]:
    """Record a DEQAR CSV submission, all or nothing (see :func:`.csv_io.submit_csv`)."""
    return await csv_io.submit_csv(
        conn,
        body,
        references(conn, principal),
        now,
        max_records=max_records,
        max_record_bytes=max_record_bytes,
        detailed_errors=detailed_errors,
    )


# --- withdrawal ----------------------------------------------------------------


async def withdraw_report(
    conn: Connection,
    key: str,
    principal: Principal,
    now: datetime,
    withdrawn_on: date | None = None,
    agency: str | None = None,
) -> ReportOut:
    """Withdraw a report (its agency or the admin), as DEQAR's delete does: named by
    the registry's id, DEQAR's report id or the agency's local identifier (an
    agency's own; the admin may name the agency with ``agency``). It no longer
    counts for dates from ``withdrawn_on`` (default: the day of ``now``) on,
    and still counts for the days before; the withdrawal is recorded at
    ``now``, so answers as of an earlier instant are unchanged."""
    day = withdrawn_on or now.date()
    async with conn.transaction():
        report_id = await _report_named(conn, key, principal, agency)
        row = await repository.lock(conn, report_id)
        if row is None:
            raise NotFound(f"no report {key}")
        authorize(principal, Role.AGENCY, tenant_id=row.agency_id)
        if row.withdrawn_at is not None:
            raise Conflict("the report is already withdrawn")
        marked = await repository.withdraw(conn, report_id, now, day)
        if marked is None:  # a report always has a current version
            raise NotFound(f"no report {key}")
        out = marked
        await emit(conn, REPORT_WITHDRAWN, report_id, report_state(out))
    return out


async def _report_named(
    conn: Connection, key: str, principal: Principal, agency: str | None
) -> str:
    """The one report ``key`` names for this principal, or 404 / 409 (ambiguous)."""
    agency_id = principal.tenant_id if principal.role == Role.AGENCY else None
    if agency is not None:
        agency_id = await agencies.find_agency(conn, agency)
        if agency_id is None:
            raise NotFound(f"no agency {agency}")
    found = await repository.find_ids(conn, key, agency_id)
    if not found:
        raise NotFound(f"no report {key}")
    if len(found) > 1:
        raise Conflict(
            f"{len(found)} agencies have a report with local identifier {key}; name the agency"
        )
    return found[0]


# --- flags -----------------------------------------------------------------


async def raise_flag(
    conn: Connection, report_id: str, data: FlagIn, principal: Principal, now: datetime
) -> FlagOut:
    """The national body flags a report; a high flag stops it counting from now."""
    authorize(principal, detail="only the national body flags reports")
    async with conn.transaction():
        if not await repository.exists(conn, report_id):
            raise NotFound(f"no report {report_id}")
        flag = FlagOut(
            id=f"flag_{uuid.uuid4().hex}",
            report_id=report_id,
            level=data.level,
            reason=data.reason,
            raised_at=now,
        )
        await repository.insert_flag(conn, flag.id, report_id, flag.level, flag.reason, now)
        await emit(conn, REPORT_FLAGGED, report_id, flag_state(flag))
    return flag


async def lift_flag(
    conn: Connection, report_id: str, flag_id: str, principal: Principal, now: datetime
) -> FlagOut:
    """The national body lifts a flag; it stays in the history (as-of answers unchanged)."""
    authorize(principal, detail="only the national body lifts flags")
    async with conn.transaction():
        lifted = await repository.lift_flag(conn, report_id, flag_id, now)
        if lifted is None:
            raise NotFound(f"no raised flag {flag_id} on report {report_id}")
        flag = lifted
        await emit(conn, REPORT_FLAG_LIFTED, report_id, flag_state(flag))
    return flag


# --- search ------------------------------------------------------------------


async def search_reports(
    conn: Connection,
    query: ReportQuery | None = None,
    *,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[ReportOut], str | None]:
    """Current report versions by DEQAR's report filters, paged by id; withdrawn
    ones only with ``include_withdrawn`` (they stay findable).

    An unknown agency matches no report; an unknown institution is a 404."""
    query = query or ReportQuery()
    agency_id = None
    if query.agency is not None:
        agency_id = await agencies.find_agency(conn, query.agency)
        if agency_id is None:
            return [], None
    institution_id = None
    if query.institution is not None:
        institution_id = await institutions.resolve_institution(conn, query.institution)
    reports = await repository.search(
        conn, query, agency_id=agency_id, institution_id=institution_id, cursor=cursor, limit=limit
    )
    return reports, next_cursor(reports, limit, lambda r: r.id)
