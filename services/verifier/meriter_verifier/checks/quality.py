"""The ``quality_assurance`` check: the issuer was quality assured on the date of issuing.

The rule is the platform's published one (``meriter_shared.qa``: an
obligatory, not negative report valid on the date, by an agency
EQAR-registered on the date), applied to the registry projection.

Invariants:
- Only an issuer the registry knows is judged (``not_applicable`` otherwise).
- Not quality assured on the date of issuing is a warning, never a failure:
  the credential is authentic, and the answer says what it lacks. A
  credential without a readable date of issuing is a warning too.
- A pass says whether the issuer is still quality assured today.
- Answers are cached per institution, date of issuing and today's date, for
  ``ttl_s``, and forgotten whenever the projections change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from meriter_shared.cache import TtlCache
from meriter_shared.db.types import Pool
from meriter_shared.events.registry import AgencyState, InstitutionState, ReportState
from meriter_shared.projections import registry as registry_projection
from meriter_shared.qa import Verdict
from meriter_verifier.checks.document import parse_moment
from meriter_verifier.checks.result import Check

RULE = (
    "meriter_shared.qa: obligatory, not negative, valid on the date, "
    "by an agency EQAR-registered on the date"
)


@dataclass(frozen=True)
class QaAnswer:
    on: Verdict
    today: Verdict
    reports: dict[str, ReportState]
    agencies: dict[str, AgencyState]


class QualityAssurance:
    """The QA verdicts of the registry's institutions, cached, and the check made of them."""

    def __init__(self, *, ttl_s: float, cache_bytes: int = 32 * 1024 * 1024) -> None:
        self.ttl_s = ttl_s
        self.cache: TtlCache[tuple[str, str, str], QaAnswer] = TtlCache(cache_bytes)

    def forget(self) -> None:
        self.cache.clear()

    async def answer(self, pool: Pool, institution_id: str, on: date, now: datetime) -> QaAnswer:
        key = (institution_id, on.isoformat(), now.date().isoformat())
        found = self.cache.get(key)
        if found is not None:
            return found
        async with pool.acquire() as conn:
            verdict, reports, agencies = await registry_projection.qa_verdict(
                conn, institution_id, on, now
            )
            today, _, _ = await registry_projection.qa_verdict(
                conn, institution_id, now.date(), now
            )
        answer = QaAnswer(verdict, today, reports, agencies)
        self.cache.put(key, answer, ttl_s=self.ttl_s, size=2048 + 1024 * len(reports))
        return answer

    async def check(
        self,
        pool: Pool,
        document: dict[str, Any],
        institution: InstitutionState | None,
        now: datetime,
    ) -> Check:
        if institution is None:
            return Check("quality_assurance", "not_applicable", "qa.unknown_issuer")
        issued = parse_moment(document.get("validFrom") or document.get("issuanceDate"))
        if issued is None:
            return Check("quality_assurance", "warn", "qa.no_date")
        answer = await self.answer(pool, institution.institution_id, issued.date(), now)
        evidence: dict[str, Any] = {
            "institution_id": institution.institution_id,
            "deqar_id": institution.deqar_id,
            "date_of_issuing": issued.date().isoformat(),
            "quality_assured_on_date": answer.on.quality_assured,
            "quality_assured_today": answer.today.quality_assured,
            "reports": [
                _report_evidence(answer.reports[r.report_id], answer.agencies)
                for r in answer.on.justifying
                if r.report_id in answer.reports
            ],
            "rejected_reports": answer.on.rejected,
            "rule": RULE,
        }
        params = {"name": institution.name_official, "date": issued.date().isoformat()}
        if not answer.on.quality_assured:
            return Check("quality_assurance", "warn", "qa.not_on_date", params, evidence)
        first = answer.on.justifying[0]
        agency = answer.agencies.get(first.agency_id)
        report = answer.reports.get(first.report_id)
        params.update(
            agency=agency.acronym if agency else first.agency_id,
            report=report.local_identifier if report else first.report_id,
        )
        code = "qa.ok_still" if answer.today.quality_assured else "qa.ok_lapsed"
        return Check("quality_assurance", "pass", code, params, evidence)


def _report_evidence(report: ReportState, agencies: dict[str, AgencyState]) -> dict[str, Any]:
    agency = agencies.get(report.agency_id)
    return {
        "report_id": report.id,
        "local_identifier": report.local_identifier,
        "agency": {
            "id": report.agency_id,
            "acronym": agency.acronym if agency else None,
            "name": agency.name if agency else None,
        },
        "activity_type": report.activity_type,
        "status": report.status,
        "decision": report.decision,
        "valid_from": report.valid_from.isoformat(),
        "valid_to": report.valid_until.isoformat(),
    }
