"""DEQAR-style report submission: what a submission names, DEQAR's structure
rules, and recording a version (Submission API v2, JSON; the CSV path,
:mod:`.csv_io`, records each row through :func:`submit`).

Invariants:

* ``(agency, local_identifier)`` names one report: submitting it again
  records the next version — or nothing at all (no version, no event) when
  the content and institutions are what is in force already, so a re-run
  import changes nothing. Resubmitting a withdrawn report reinstates it.
* Every version recorded writes exactly one outbox row in its transaction
  (``report.recorded`` / ``report.updated``, the version as
  :class:`~meriter_shared.events.registry.ReportState`).
* Who may submit for an agency is not decided here: :class:`References` asks
  the check it is given (:mod:`.service` gives the tenant rule) as soon as
  the agency is known, before any other finding about the report.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from meriter_registry import deqar
from meriter_registry.agencies import service as agencies
from meriter_registry.errors import error_item
from meriter_registry.events import emit
from meriter_registry.institutions import service as institutions
from meriter_registry.institutions.schemas import InstitutionRef
from meriter_registry.reports import repository
from meriter_registry.reports.schemas import (
    ReportOut,
    ReportSubmission,
    SubmissionResult,
    SubmittedFile,
    SubmittedInstitution,
    SubmittedProgramme,
    SubmittedReport,
)
from meriter_registry.reports.shapes import report_state
from meriter_shared.db.types import Connection
from meriter_shared.errors import NotFound, ValidationProblem
from meriter_shared.events.registry import REPORT_RECORDED, REPORT_UPDATED
from meriter_shared.qa import ActivityType, Status, effective_valid_to


class References:
    """The agencies and institutions submissions name, each key looked up once.

    A CSV submission names the same agency on every row and often the same
    institutions: one instance serves one submission, remembering up to
    ``limit`` answers in all (then asking the database again), so a large file
    costs one lookup per distinct key, and a hostile one no more memory than
    that. Submissions create neither agencies nor institutions, so an answer
    stays true for the submission's life. ``may_submit(agency_id)`` raises
    unless the caller may submit for that agency (the tenant rule, in
    :mod:`.service`); it is asked before anything else about the report is
    reported.
    """

    def __init__(
        self, conn: Connection, may_submit: Callable[[str], None], limit: int = 10_000
    ) -> None:
        self.conn = conn
        self.may_submit = may_submit
        self.limit = limit
        # (kind, key) → the id found (or None); one table for every kind of lookup.
        self._found: dict[tuple[str, Hashable], str | None] = {}

    async def _remembered(
        self, kind: str, key: Hashable, lookup: Callable[[], Awaitable[str | None]]
    ) -> str | None:
        if (kind, key) in self._found:
            return self._found[(kind, key)]
        found = await lookup()
        if len(self._found) < self.limit:
            self._found[(kind, key)] = found
        return found

    async def agency(self, key: str) -> str | None:
        return await self._remembered("agency", key, lambda: agencies.find_agency(self.conn, key))

    async def institution(self, ref: InstitutionRef) -> str | None:
        key = (ref.deqar_id, ref.eter_id, ref.resource, ref.identifier)
        return await self._remembered(
            "institution", key, lambda: institutions.find_by_ref(self.conn, ref)
        )

    async def activity(self, agency_id: str, key: str, local: bool) -> str | None:
        return await self._remembered(
            "activity",
            (agency_id, key, local),
            lambda: agencies.activity_type(self.conn, agency_id, key, local),
        )

    async def resolve(self, sub: ReportSubmission) -> Resolved:
        """What the submission names, once the caller may submit for its agency:
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
            self.may_submit(agency_id)
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
        if found.agency_id != resolved.agency_id:
            message = "the report belongs to another agency"
            errors.append(error_item("report_id", message=message, code="other_agency"))
        elif sub.local_identifier not in (None, found.local_identifier):
            message = "report_id and local_identifier name different reports"
            errors.append(error_item("report_id", message=message, code="conflict"))
        resolved.local_identifier = found.local_identifier
        if found.id != sub.report_id:
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
    sub: ReportSubmission,
    briefs: Mapping[str, institutions.InstitutionBrief],
    errors: list[dict[str, Any]],
) -> None:
    """DEQAR: a report only on other providers is voluntary and its programmes lead to
    no full degree."""
    if not briefs or not all(b.is_other_provider for b in briefs.values()):
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


async def submit(
    conn: Connection,
    sub: ReportSubmission,
    references: References,
    now: datetime,
    *,
    detailed: bool = True,
    update_only: bool = False,
) -> SubmissionResult:
    """Record a DEQAR submission; the same (agency, local_identifier), or the report
    ``report_id`` names, updates it. ``detailed``: answer with DEQAR's
    ``submitted_report`` too (a CSV row's answer leaves it out). ``update_only``
    (DEQAR v2's PUT): the report must exist, else a 422 naming its key."""
    resolved = await references.resolve(sub)
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
        if row is not None and row.withdrawn_at is None:
            current = await repository.content(conn, row.id, row.current_version)
            unchanged = bool(
                current
                and current.body == body
                and list(current.institution_ids) == sorted(institution_ids)
            )
        if unchanged and row is not None:
            # Same content again (a re-run import): no new version, no event.
            report_id, version, created = row.id, row.current_version, False
        elif row is None:
            report_id, version, created = str(uuid.uuid4()), 1, True
            await repository.insert_report(conn, report_id, agency_id, local_identifier)
        else:
            report_id, version, created = row.id, row.current_version + 1, False
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
            await emit(
                conn, REPORT_RECORDED if created else REPORT_UPDATED, report_id, report_state(out)
            )
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
    briefs: Mapping[str, institutions.InstitutionBrief],
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
                deqar_id=briefs[i].deqar_id,
                eter_id=briefs[i].eter_id,
                name_primary=briefs[i].name_official,
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
    sub = ReportSubmission.model_validate(found.body)
    contributing = [
        a for a in [await agencies.find_agency(conn, c) for c in sub.contributing_agencies] if a
    ]
    resolved = Resolved(agency_id, list(found.institution_ids), contributing)
    resolved.deqar_report_id = found.deqar_report_id
    briefs = await institutions.briefs(conn, resolved.institution_ids)
    return await _submitted(
        conn,
        sub,
        resolved,
        found.report_id,
        local_identifier,
        ActivityType(found.activity_type),
        briefs,
        found.valid_from,
        found.valid_to,
    )
