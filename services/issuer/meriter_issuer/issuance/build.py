"""A result, its offering, its institution and the QA evidence → an unsigned credential.

Every Annex I element comes from the registry's data (the offering: title,
outcomes, ECTS, level, assessment, participation, prerequisites, integration;
the institution: name, country, website; the reports and agency that make it
quality assured on the date) and from the result (learner, grade,
supervision, dates). The learner's identifier only ever appears hashed.

What cannot make a credential is told with its kind, which says who can fix
it: ``offering`` or ``institution`` (their data in the registry: the result
is decided again when it changes) or ``result`` (its own data: a correction).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import ValidationError

from meriter_credentials.microcredential import (
    AssessmentType,
    AwardingBody,
    Grade,
    Integration,
    Learner,
    MicroCredential,
    ParticipationForm,
    QfEheaCycle,
    QualityAssurance,
    QualityAssuranceType,
    Supervision,
)
from meriter_shared.events.registry import AgencyState, InstitutionState, OfferingState, ReportState

Fixer = Literal["offering", "institution", "result"]
# MicroCredential's fields by whose data fills them (anything else is the offering's).
_INSTITUTION_FIELDS = {"awarding_body"}
_RESULT_FIELDS = {"learner", "grade", "supervision", "issued", "assessed"}


class CannotIssue(ValueError):
    """The data at hand cannot make a valid credential (the reason is for the institution;
    ``kind`` says whose data it is)."""

    def __init__(self, reason: str, kind: Fixer) -> None:
        super().__init__(reason)
        self.kind: Fixer = kind


def _whose(exc: ValueError) -> Fixer:
    if isinstance(exc, ValidationError):
        fields = {str(e["loc"][0]) for e in exc.errors() if e.get("loc")}
        if fields & _INSTITUTION_FIELDS:
            return "institution"
        if fields and fields <= _RESULT_FIELDS:
            return "result"
    return "offering"


def quality_assurance(
    reports: list[ReportState], agencies: dict[str, AgencyState]
) -> QualityAssurance:
    """Annex I "type of quality assurance": the reports (and agencies) that qualify."""
    institutional = any(r.activity_type.startswith("institutional") for r in reports)
    parts = []
    for r in reports:
        agency = agencies.get(r.agency_id)
        name = agency.acronym if agency else r.agency_id
        until = r.valid_to.isoformat() if r.valid_to else f"{r.valid_until.isoformat()} (6 years)"
        parts.append(
            f"{name} {r.activity_type} review {r.local_identifier}: {r.decision}, "
            f"valid {r.valid_from.isoformat()} to {until}"
        )
    return QualityAssurance(
        type=QualityAssuranceType.EXTERNAL_INSTITUTIONAL
        if institutional
        else QualityAssuranceType.EXTERNAL_PROGRAMME,
        description="; ".join(parts)[:1000],
    )


def build(
    *,
    credential_id: uuid.UUID,
    issued: datetime,
    result: dict[str, Any],
    offering: OfferingState,
    institution: InstitutionState,
    did: str,
    qa: QualityAssurance,
    achievement_base: str,
    status: dict[str, Any],
) -> dict[str, Any]:
    learner = result["learner"]
    assessed: date | None = result.get("assessed_on")
    if assessed is not None and assessed > issued.date():
        raise CannotIssue(
            f"the result's assessment date {assessed.isoformat()} is after its date of "
            f"issuing {issued.date().isoformat()}",
            "result",
        )
    try:
        mc = MicroCredential(
            learner=Learner(
                name=learner["name"],
                identifier=learner["identifier"],
                identifier_type=learner["identifier_type"],
            ),
            title=offering.title,
            description=(
                f"{offering.title}: {offering.ects:g} ECTS, EQF level {offering.eqf_level}."
            ),
            achievement_id=f"{achievement_base}/offerings/{offering.id}/v{offering.version}",
            awarding_body=AwardingBody(
                did=did,
                name=institution.name_official,
                url=institution.website,
                country_code=institution.country,
            ),
            issued=issued,
            assessed=assessed,
            learning_outcomes=tuple(offering.learning_outcomes),
            ects=offering.ects,
            eqf_level=offering.eqf_level,
            qf_ehea_cycle=QfEheaCycle(offering.qf_ehea_cycle) if offering.qf_ehea_cycle else None,
            field_of_study=offering.field_of_study,
            language=offering.language,
            assessment_type=AssessmentType(offering.assessment_type),
            participation=ParticipationForm(offering.participation_form),
            quality_assurance=qa,
            prerequisites=offering.prerequisites or None,
            supervision=Supervision(result["supervision"]) if result.get("supervision") else None,
            grade=Grade(value=result["grade"]) if result.get("grade") else None,
            integration=Integration.STACKABLE if offering.stackable else Integration.STANDALONE,
            further_information=offering.stackability or None,
            credential_id=credential_id,
        )
    except ValueError as exc:
        kind = _whose(exc)
        whose = "result's" if kind == "result" else f"{kind}'s"
        raise CannotIssue(f"the {whose} data cannot make a credential: {exc}", kind) from exc
    document = mc.to_credential()
    document["credentialStatus"] = status
    return document
