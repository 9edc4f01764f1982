"""A deterministic, realistic sample micro-credential (a Swedish university course).

Fixed ids, dates and salt, so the rendered credential is the same bytes on
every run (benchmarks and tests rely on that). The learner and personal
identity number are fictitious.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

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

__all__ = ["SAMPLE_LEARNER_IDENTIFIER", "sample_credential", "sample_microcredential"]

SAMPLE_LEARNER_IDENTIFIER = "199001012384"
"""A fictitious Swedish personal identity number (personnummer)."""


def sample_microcredential() -> MicroCredential:
    """Uppsala-style 7.5 ECTS second-cycle course, every Annex I element filled in."""
    return MicroCredential(
        learner=Learner(
            name="Astrid Lindqvist",
            identifier=SAMPLE_LEARNER_IDENTIFIER,
            identifier_type="nationalIdentityNumber",
            salt="5d0c8e3a1f7b4c29",
        ),
        title="Applied Machine Learning for Public Health",
        description="Machine learning on health register data.",
        achievement_id="https://uu.meriter.example/c/3MV213",
        course_code="3MV213",
        awarding_body=AwardingBody(
            did="did:web:uu.meriter.example",
            name="Uppsala University",
            url="https://www.uu.se",
            country_code="SE",
            country="Sweden",
            region="Uppsala County",
        ),
        issued=datetime(2026, 1, 23, 10, 0, tzinfo=UTC),
        learning_outcomes=(
            "Train models on register data",
            "Assess bias and privacy risks of a model",
            "Report results to decision makers",
        ),
        ects=7.5,
        eqf_level=7,
        qf_ehea_cycle=QfEheaCycle.SECOND,
        field_of_study="Public health",
        language="en",
        assessment_type=AssessmentType.WRITTEN_EXAMINATION,
        participation=ParticipationForm.BLENDED,
        quality_assurance=QualityAssurance(
            type=QualityAssuranceType.EXTERNAL_INSTITUTIONAL,
            description="Reviewed by UKÄ",
        ),
        prerequisites="180 ECTS incl. statistics",
        supervision=Supervision.ONSITE_WITH_ID_CHECK,
        grade=Grade(value="VG", scale=("U", "G", "VG")),
        integration=Integration.STACKABLE,
        further_information="Counts towards an MSc",
        credential_id=uuid.UUID("6f1c2b7e-3d4a-4e5f-9a8b-1c2d3e4f5a6b"),
    )


def sample_credential() -> dict[str, Any]:
    """The sample's unsigned OpenBadgeCredential."""
    return sample_microcredential().to_credential()
