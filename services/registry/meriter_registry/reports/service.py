"""Report rules: submissions, resubmissions, withdrawal, flags, qa-status, search.

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
* Report history is append-only (see the migration): the rule in
  :mod:`meriter_shared.qa` is evaluated on the versions visible ``as_of``
  the question, with the agency's EQAR registrations as recorded then and
  the high flags up then.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from meriter_registry import deqar
from meriter_registry.agencies import service as agencies
from meriter_registry.errors import error_item, under
from meriter_registry.events import emit
from meriter_registry.institutions import service as institutions
from meriter_registry.institutions.schemas import InstitutionRef
from meriter_registry.reports import repository
from meriter_registry.reports.schemas import (
    FlagIn,
    FlagOut,
    QaStatus,
    ReportOut,
    ReportSubmission,
    SubmissionResult,
)
from meriter_shared.auth import Principal, Role, authorize
from meriter_shared.bulk import Errors, csv_rows
from meriter_shared.db.query import next_cursor
from meriter_shared.db.types import Connection
from meriter_shared.errors import BadRequest, Conflict, NotFound, ValidationProblem, field_errors
from meriter_shared.events.registry import (
    REPORT_FLAG_LIFTED,
    REPORT_FLAGGED,
    REPORT_RECORDED,
    REPORT_UPDATED,
    REPORT_WITHDRAWN,
    ReportFlagState,
    ReportState,
)
from meriter_shared.qa import (
    Decision,
    Registration,
    ReportFacts,
    Status,
    effective_valid_to,
    quality_assured,
)


def _state(out: ReportOut) -> ReportState:
    """The API's report version as the ``report.*`` events carry it."""
    return ReportState(
        id=out.id,
        agency_id=out.agency_id,
        local_identifier=out.local_identifier,
        version=out.version,
        activity_type=out.activity_type,
        status=out.status,
        decision=out.decision,
        valid_from=out.valid_from,
        valid_to=out.valid_to,
        valid_until=out.valid_until,
        institution_ids=out.institution_ids,
        recorded_at=out.recorded_at,
        withdrawn_at=out.withdrawn_at,
        withdrawn_on=out.withdrawn_on,
    )


def _flag_state(flag: FlagOut) -> ReportFlagState:
    return ReportFlagState(
        id=flag.id,
        report_id=flag.report_id,
        level=flag.level,
        reason=flag.reason,
        raised_at=flag.raised_at,
        lifted_at=flag.lifted_at,
    )


def _report_out(row: Any) -> ReportOut:
    """A report version from a repository row (see :mod:`.repository`)."""
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
        withdrawn_on=row["withdrawn_on"],
    )


# --- submission and withdrawal -------------------------------------------------


class References:
    """The agencies and institutions submissions name, each key looked up once.

    A CSV submission names the same agency on every row and often the same
    institutions: one instance serves one submission, remembering up to
    ``limit`` answers (then asking the database again), so a large file
    costs one lookup per distinct key, and a hostile one no more memory than
    that. Submissions create neither agencies nor institutions, so an answer
    stays true for the submission's life.
    """

    def __init__(self, conn: Connection, limit: int = 10_000) -> None:
        self.conn = conn
        self.limit = limit
        self._agencies: dict[str, str | None] = {}
        self._institutions: dict[tuple[str | None, ...], str | None] = {}

    async def agency(self, key: str) -> str | None:
        if key in self._agencies:
            return self._agencies[key]
        found = await agencies.find_agency(self.conn, key)
        if len(self._agencies) < self.limit:
            self._agencies[key] = found
        return found

    async def institution(self, ref: InstitutionRef) -> str | None:
        key = (ref.deqar_id, ref.eter_id, ref.resource, ref.identifier)
        if key in self._institutions:
            return self._institutions[key]
        found = await institutions.find_by_ref(self.conn, ref)
        if len(self._institutions) < self.limit:
            self._institutions[key] = found
        return found

    async def resolve(self, sub: ReportSubmission, principal: Principal) -> tuple[str, list[str]]:
        """The agency's id and the institutions' ids (deduplicated, in order), once the
        principal may submit for that agency; unknown ones are a 422 naming each."""
        agency_id = await self.agency(sub.agency)
        errors: list[dict[str, Any]] = []
        if agency_id is None:
            errors.append(
                error_item("agency", message=f"unknown agency {sub.agency}", code="unknown_agency")
            )
        else:
            authorize(
                principal,
                Role.AGENCY,
                tenant_id=agency_id,
                detail="an agency submits only its own reports",
            )
        institution_ids: list[str] = []
        for i, ref in enumerate(sub.institutions):
            found = await self.institution(ref)
            if found is None:
                errors.append(
                    error_item(
                        "institutions", i, message="unknown institution", code="unknown_institution"
                    )
                )
            elif found not in institution_ids:
                institution_ids.append(found)
        if errors or agency_id is None:
            raise ValidationProblem("the report refers to unknown records", errors=errors)
        return agency_id, institution_ids


async def submit_report(
    conn: Connection,
    sub: ReportSubmission,
    principal: Principal,
    now: datetime,
    references: References | None = None,
) -> SubmissionResult:
    """Record a DEQAR submission; the same (agency, local_identifier) updates it."""
    references = references or References(conn)
    agency_id, institution_ids = await references.resolve(sub, principal)
    valid_from, valid_to = sub.dates()
    body = sub.model_dump(mode="json")
    async with conn.transaction():
        row = await repository.lock_by_local_identifier(conn, agency_id, sub.local_identifier)
        if row is not None and row["withdrawn_at"] is None:
            current = await repository.content(conn, row["id"], row["current_version"])
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
            await repository.insert_report(conn, report_id, agency_id, sub.local_identifier)
        else:
            report_id, version, created = row["id"], row["current_version"] + 1, False
            await repository.supersede_current(conn, report_id, now)
            await repository.set_current_version(conn, report_id, version)
        # The new version, as written: the event is built from it, not read back.
        out = ReportOut(
            id=report_id,
            agency_id=agency_id,
            local_identifier=sub.local_identifier,
            version=version,
            activity_type=sub.activity_type.value,
            status=sub.status.value,
            decision=sub.decision.value,
            valid_from=valid_from,
            valid_to=valid_to,
            valid_until=effective_valid_to(valid_from, valid_to),
            institution_ids=sorted(institution_ids),
            recorded_at=now,
            withdrawn_at=None,
        )
        await repository.insert_version(
            conn,
            report_id,
            version,
            agency_id,
            activity_type=out.activity_type,
            status=out.status,
            decision=out.decision,
            valid_from=out.valid_from,
            valid_to=out.valid_to,
            valid_until=out.valid_until,
            body=body,
            recorded_at=now,
            institution_ids=institution_ids,
        )
        await emit(conn, REPORT_RECORDED if created else REPORT_UPDATED, report_id, _state(out))
    return SubmissionResult(submitted_report_id=report_id, version=version, created=created)


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
    """Record a DEQAR CSV submission, all or nothing: every report, or none.

    ``body`` is read as it streams in: its header is checked as soon as its
    line is complete (a header naming no usable columns is a 400 at once),
    then :func:`meriter_shared.bulk.csv_rows` hands over one row at a time.
    Reports are written as they arrive, in one transaction; from the first
    rejected row on nothing more is written, but every later row is still
    checked (its fields, the agency and institutions it names) so the answer
    lists what to fix, and at the end the transaction rolls back: a 422
    whose ``errors`` hold the first ``detailed_errors`` items (each under its
    row's 0-based index) and whose extensions count them all. At most
    ``max_records`` rows; more are rejected. Memory holds one row, the
    detailed errors and one small result per report, whatever the body.
    """
    layout = deqar.CsvLayout()
    rows = csv_rows(
        layout.read_header(deqar.without_bom(body), max_record_bytes),
        max_record_bytes=max_record_bytes,
    )
    references = References(conn)
    errors = Errors(detailed=detailed_errors)
    rejected = seen = 0
    results: list[dict[str, Any]] = []

    def reject(index: int, items: Sequence[Mapping[str, Any]]) -> None:
        nonlocal rejected
        rejected += 1
        for item in items:
            errors.add(index, str(item["message"]), item=under(index, item))

    async with conn.transaction():
        try:
            async for record in rows:
                index = record.index
                if index < 0 or (record.error is not None and not layout.header_seen):
                    raise BadRequest(f"the CSV header is not usable: {record.error}")
                seen += 1
                if record.error is not None:
                    reject(index, [error_item(message=record.error, code="malformed_record")])
                    continue
                if index >= max_records:
                    message = f"a submission holds at most {max_records} reports"
                    reject(index, [error_item(message=message, code="too_many_records")])
                    continue
                try:
                    sub = ReportSubmission.model_validate(layout.submission(record.value))
                    if errors.total:  # nothing more is written: only check what it names
                        await references.resolve(sub, principal)
                        continue
                    out = await submit_report(conn, sub, principal, now, references)
                except ValidationError as exc:
                    reject(index, field_errors(exc))
                    continue
                except ValidationProblem as exc:
                    reject(index, exc.errors)
                    continue
                results.append({"index": index, **out.model_dump()})
        except deqar.CsvColumnError as exc:
            raise BadRequest(f"the CSV header is not usable: {exc}") from exc
        if errors.total:
            raise ValidationProblem(
                f"{rejected} of {seen} records are rejected; nothing was saved",
                errors=[e["item"] for e in errors.items],
                records=seen,
                rejected_records=rejected,
                errors_total=errors.total,
                errors_omitted=errors.omitted,
            )
    return results


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
        authorize(principal, Role.AGENCY, tenant_id=row["agency_id"])
        if row["withdrawn_at"] is not None:
            raise Conflict("the report is already withdrawn")
        marked = await repository.withdraw(conn, report_id, now, day)
        if marked is None:  # a report always has a current version
            raise NotFound(f"no report {key}")
        out = _report_out(marked)
        await emit(conn, REPORT_WITHDRAWN, report_id, _state(out))
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
        await emit(conn, REPORT_FLAGGED, report_id, _flag_state(flag))
    return flag


async def lift_flag(
    conn: Connection, report_id: str, flag_id: str, principal: Principal, now: datetime
) -> FlagOut:
    """The national body lifts a flag; it stays in the history (as-of answers unchanged)."""
    authorize(principal, detail="only the national body lifts flags")
    async with conn.transaction():
        row = await repository.lift_flag(conn, report_id, flag_id, now)
        if row is None:
            raise NotFound(f"no raised flag {flag_id} on report {report_id}")
        flag = FlagOut(**dict(row))
        await emit(conn, REPORT_FLAG_LIFTED, report_id, _flag_state(flag))
    return flag


# --- reads -----------------------------------------------------------------


async def qa_status(conn: Connection, key: str, on: date, as_of: datetime) -> QaStatus:
    """Is the institution (platform or DEQAR id) quality assured on ``on``, as the
    registry knew it at ``as_of``? With the reports that say so and, for each
    other report in the window, why it does not count."""
    found = await repository.qa_rows(conn, key, as_of, on)
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
            withdrawn_at=r["withdrawn_at"],
            withdrawn_on=r["withdrawn_on"],
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
        reports=[_report_out(by_id[f.report_id]) for f in verdict.justifying],
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
    local_identifier: str | None = None,
    include_withdrawn: bool = False,
) -> tuple[list[ReportOut], str | None]:
    """Current report versions by DEQAR's report filters, paged by id; withdrawn
    ones only with ``include_withdrawn`` (they stay findable).

    An unknown agency matches no report; an unknown institution is a 404."""
    agency_id = await agencies.find_agency(conn, agency) if agency is not None else None
    if agency is not None and agency_id is None:
        return [], None
    iid = (
        await institutions.resolve_institution(conn, institution)
        if institution is not None
        else None
    )
    rows = await repository.search(
        conn,
        agency_id=agency_id,
        institution_id=iid,
        country=country,
        activity_type=activity_type,
        status=status,
        decision=decision,
        valid_on=valid_on,
        cursor=cursor,
        limit=limit,
        local_identifier=local_identifier,
        include_withdrawn=include_withdrawn,
    )
    reports = [_report_out(r) for r in rows]
    return reports, next_cursor(reports, limit, lambda r: r.id)
