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
from dataclasses import dataclass, field
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
    SubmittedFile,
    SubmittedInstitution,
    SubmittedProgramme,
    SubmittedReport,
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
    ActivityType,
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
        self._activities: dict[tuple[str, str, bool], str | None] = {}

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

    async def activity(self, agency_id: str, key: str, local: bool) -> str | None:
        cache_key = (agency_id, key, local)
        if cache_key in self._activities:
            return self._activities[cache_key]
        found = await agencies.activity_type(self.conn, agency_id, key, local)
        if len(self._activities) < self.limit:
            self._activities[cache_key] = found
        return found

    async def resolve(self, sub: ReportSubmission, principal: Principal) -> Resolved:
        """What the submission names, once the principal may submit for its agency:
        the agency, the institutions (deduplicated, in order), the activity's type
        and the report to update; what is unknown or breaks DEQAR's rules is a
        422 naming each field at fault."""
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
        contributing: list[str] = []
        for i, key in enumerate(sub.contributing_agencies):
            found = await self.agency(key)
            if found is None:
                message = f"unknown agency {key}"
                errors.append(
                    error_item("contributing_agencies", i, message=message, code="unknown_agency")
                )
            elif found not in contributing and found != agency_id:
                contributing.append(found)
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
        resolved = Resolved(agency_id, institution_ids, contributing)
        await self._activity_type(sub, resolved, errors)
        await self._report(sub, resolved, errors)
        if resolved.activity_type is not None:
            _structure(sub, resolved.activity_type, institution_ids, errors)
        if errors:
            raise ValidationProblem("the report breaks DEQAR's submission rules", errors=errors)
        return resolved

    async def _activity_type(
        self, sub: ReportSubmission, resolved: Resolved, errors: list[dict[str, Any]]
    ) -> None:
        """DEQAR: the activity (its local identifier, else its DEQAR id or name) in the
        agency's activity list decides the type; an agency that lists none, or an
        activity it does not list, falls back to ``activity_type`` or the name."""
        listed: str | None = None
        field = "activity"
        if sub.activity_local_identifier:
            listed = await self.activity(resolved.agency_id, sub.activity_local_identifier, True)
            field = "activity_local_identifier"
        if listed is None and sub.activity:
            listed = await self.activity(resolved.agency_id, sub.activity, False)
            field = "activity"
        if listed is not None:
            if sub.activity_type is not None and sub.activity_type.value != listed:
                message = f"the activity is of type {listed}, not {sub.activity_type.value}"
                errors.append(error_item("activity_type", message=message, code="conflict"))
            resolved.activity_type = ActivityType(listed)
            return
        named = sub.activity or sub.activity_local_identifier
        inferred = deqar.activity_type(named) if named else None
        resolved.activity_type = sub.activity_type or inferred
        if resolved.activity_type is None:
            message = (
                f"the agency lists no activity {named!r}; give a listed activity or activity_type"
                if named
                else "give activity (DEQAR id or name), activity_local_identifier or activity_type"
            )
            errors.append(error_item(field, message=message, code="unknown_activity"))
        elif sub.activity_type is None and named:
            resolved.warnings.append(
                f"activity type {resolved.activity_type.value} read from {named!r}"
            )

    async def _report(
        self, sub: ReportSubmission, resolved: Resolved, errors: list[dict[str, Any]]
    ) -> None:
        """``report_id`` names the report to update (the registry's id or DEQAR's);
        with ``local_identifier`` both must name the same report (DEQAR's rule). A
        DEQAR id the registry does not know yet is kept for the new report."""
        resolved.local_identifier = sub.local_identifier
        if sub.report_id is None:
            return
        found = await repository.find_by_report_id(self.conn, sub.report_id)
        if found is None:
            if sub.local_identifier is None:
                message = f"no report {sub.report_id}; give local_identifier to record a new one"
                errors.append(error_item("report_id", message=message, code="unknown_report"))
            resolved.deqar_report_id = sub.report_id
            return
        if found["agency_id"] != resolved.agency_id:
            message = "the report belongs to another agency"
            errors.append(error_item("report_id", message=message, code="other_agency"))
        elif sub.local_identifier not in (None, found["local_identifier"]):
            message = "report_id and local_identifier name different reports"
            errors.append(error_item("report_id", message=message, code="conflict"))
        resolved.local_identifier = found["local_identifier"]
        if found["id"] != sub.report_id:
            resolved.deqar_report_id = sub.report_id


def _structure(
    sub: ReportSubmission,
    kind: ActivityType,
    institution_ids: list[str],
    errors: list[dict[str, Any]],
) -> None:
    """DEQAR's report structure per activity type: institutional, no programme;
    programme and institutional/programme, one institution and a programme at
    least; joint programme, two institutions or more and a programme at least."""
    if kind is ActivityType.INSTITUTIONAL:
        if sub.programmes:
            message = "an institutional activity has no programmes"
            errors.append(error_item("programmes", message=message, code="not_allowed"))
        return
    if not sub.programmes:
        message = f"a {kind.value} activity needs at least one programme"
        errors.append(error_item("programmes", message=message, code="missing"))
    if kind is ActivityType.JOINT_PROGRAMME and len(institution_ids) < 2:
        message = "a joint programme activity names at least two institutions"
        errors.append(error_item("institutions", message=message, code="too_few"))
    if kind is not ActivityType.JOINT_PROGRAMME and len(institution_ids) > 1:
        message = f"a {kind.value} activity names one institution"
        errors.append(error_item("institutions", message=message, code="too_many"))


@dataclass
class Resolved:
    """What a submission names, resolved (see :meth:`References.resolve`)."""

    agency_id: str
    institution_ids: list[str]
    contributing_agency_ids: list[str]
    activity_type: ActivityType | None = None
    local_identifier: str | None = None
    deqar_report_id: str | None = None
    warnings: list[str] = field(default_factory=list)


def _other_provider_rules(
    sub: ReportSubmission, briefs: dict[str, Any], errors: list[dict[str, Any]]
) -> None:
    """DEQAR: a report only on other providers is voluntary and its programmes lead to
    no full degree."""
    if not briefs or not all(b["is_other_provider"] for b in briefs.values()):
        return
    if sub.status is Status.OBLIGATORY:
        message = "a report only on other providers is voluntary"
        errors.append(error_item("status", message=message, code="not_allowed"))
    for i, programme in enumerate(sub.programmes):
        if programme.degree_outcome == "full degree":
            message = "a programme of other providers only leads to no full degree"
            errors.append(
                error_item("programmes", i, "degree_outcome", message=message, code="not_allowed")
            )


async def submit_report(
    conn: Connection,
    sub: ReportSubmission,
    principal: Principal,
    now: datetime,
    references: References | None = None,
    detailed: bool = True,
    update_only: bool = False,
) -> SubmissionResult:
    """Record a DEQAR submission; the same (agency, local_identifier), or the report
    ``report_id`` names, updates it. ``detailed``: answer with DEQAR's
    ``submitted_report`` too (a CSV row's answer leaves it out). ``update_only``
    (DEQAR v2's PUT): the report must exist, else a 422 naming its key."""
    references = references or References(conn)
    resolved = await references.resolve(sub, principal)
    agency_id, institution_ids = resolved.agency_id, resolved.institution_ids
    local_identifier, kind = resolved.local_identifier, resolved.activity_type
    if local_identifier is None or kind is None:  # resolve() gives both or raises
        raise ValidationProblem("the report names no activity or local identifier")
    briefs = await institutions.briefs(conn, institution_ids)
    errors: list[dict[str, Any]] = []
    _other_provider_rules(sub, briefs, errors)
    if errors:
        raise ValidationProblem("the report breaks DEQAR's submission rules", errors=errors)
    valid_from, valid_to = sub.dates()
    body = sub.model_dump(mode="json")
    async with conn.transaction():
        row = await repository.lock_by_local_identifier(conn, agency_id, local_identifier)
        if update_only and row is None:
            key = "report_id" if sub.report_id else "local_identifier"
            message = f"names no report of the agency; POST creates one ({key})"
            raise ValidationProblem(
                "no such report to update",
                errors=[error_item(key, message=message, code="unknown_report")],
            )
        unchanged = False
        if row is not None and row["withdrawn_at"] is None:
            current = await repository.content(conn, row["id"], row["current_version"])
            unchanged = bool(
                current
                and current["body"] == body
                and list(current["ids"]) == sorted(institution_ids)
            )
        if unchanged and row is not None:
            # Same content again (a re-run import): no new version, no event.
            report_id, version, created = row["id"], row["current_version"], False
        elif row is None:
            report_id, version, created = str(uuid.uuid4()), 1, True
            await repository.insert_report(conn, report_id, agency_id, local_identifier)
        else:
            report_id, version, created = row["id"], row["current_version"] + 1, False
            await repository.supersede_current(conn, report_id, now)
            await repository.set_current_version(conn, report_id, version)
        if resolved.deqar_report_id is not None:
            await repository.set_deqar_report_id(conn, report_id, resolved.deqar_report_id)
        if not unchanged:
            # The new version, as written: the event is built from it, not read back.
            out = ReportOut(
                id=report_id,
                agency_id=agency_id,
                local_identifier=local_identifier,
                version=version,
                activity_type=kind.value,
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
    result = SubmissionResult(
        submitted_report_id=report_id,
        version=version,
        created=created,
        report_warnings=resolved.warnings,
        sanity_check_status="warnings" if resolved.warnings else "success",
    )
    if detailed:
        result.submitted_report = await _submitted(
            conn, sub, resolved, report_id, local_identifier, kind, briefs, valid_from, valid_to
        )
    return result


async def _submitted(
    conn: Connection,
    sub: ReportSubmission,
    resolved: Resolved,
    report_id: str,
    local_identifier: str,
    kind: ActivityType,
    briefs: dict[str, Any],
    valid_from: date,
    valid_to: date | None,
) -> SubmittedReport:
    """The report in DEQAR's response shape."""
    acronyms = await agencies.acronyms(
        conn, [resolved.agency_id, *resolved.contributing_agency_ids]
    )
    return SubmittedReport(
        id=report_id,
        agency=acronyms.get(resolved.agency_id, resolved.agency_id),
        contributing_agencies=[acronyms.get(a, a) for a in resolved.contributing_agency_ids],
        local_identifier=local_identifier,
        report_id=resolved.deqar_report_id or sub.report_id,
        agency_esg_activity=sub.activity or sub.activity_local_identifier,
        activity_type=kind.value,
        status=sub.status.value,
        decision=sub.decision.value,
        summary=sub.summary,
        other_comment=sub.other_comment,
        valid_from=valid_from,
        valid_to=valid_to,
        files=[
            SubmittedFile(
                file_display_name=f.display_name,
                file_original_location=str(f.original_location) if f.original_location else None,
                report_language=f.report_language,
            )
            for f in sub.report_files
        ],
        institutions=[
            SubmittedInstitution(
                id=i,
                deqar_id=briefs[i]["deqar_id"],
                eter_id=briefs[i]["eter_id"],
                name_primary=briefs[i]["name_official"],
            )
            for i in resolved.institution_ids
            if i in briefs
        ],
        programmes=[
            SubmittedProgramme(
                name_primary=p.name_primary, countries=[c.upper() for c in p.countries]
            )
            for p in sub.programmes
        ],
    )


async def check_local_identifier(
    conn: Connection, agency: str, local_identifier: str
) -> SubmittedReport:
    """DEQAR's ``check/local-identifier``: the agency's report with that local
    identifier, in DEQAR's shape (withdrawn or not); 404 if there is none."""
    agency_id = await agencies.find_agency(conn, agency)
    found = (
        await repository.current_by_local_identifier(conn, agency_id, local_identifier)
        if agency_id is not None
        else None
    )
    if agency_id is None or found is None:
        raise NotFound(f"no report {local_identifier} of agency {agency}")
    sub = ReportSubmission.model_validate(found["body"])
    contributing = [
        a for a in [await agencies.find_agency(conn, c) for c in sub.contributing_agencies] if a
    ]
    resolved = Resolved(agency_id, list(found["institution_ids"]), contributing)
    resolved.deqar_report_id = found["deqar_report_id"]
    briefs = await institutions.briefs(conn, resolved.institution_ids)
    return await _submitted(
        conn,
        sub,
        resolved,
        found["report_id"],
        local_identifier,
        ActivityType(found["activity_type"]),
        briefs,
        found["valid_from"],
        found["valid_to"],
    )


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
                    out = await submit_report(conn, sub, principal, now, references, detailed=False)
                except ValidationError as exc:
                    reject(index, field_errors(exc))
                    continue
                except ValidationProblem as exc:
                    reject(index, exc.errors)
                    continue
                results.append({"index": index, **out.model_dump(exclude={"submitted_report"})})
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
