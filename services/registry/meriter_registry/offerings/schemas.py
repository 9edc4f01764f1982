"""Offering request and response bodies (not the ``offering.*`` event payloads).

Every text field and list has a bound, chosen so that the largest offering
the schema admits — every field at its longest, in characters JSON escapes
six bytes wide — makes an ``offering.*`` event far below the outbox's
:data:`~meriter_shared.db.outbox.MAX_EVENT_BYTES`; a longer field is a 422
naming it (a body over the request limit a 413) before anything is written.

The Annex I vocabularies (type of assessment, form of participation, QF-EHEA
cycle) are the credential engine's own enumerations, so the OpenAPI document
lists the values allowed (``enum``) and a value outside one is a 422 naming
the field and listing them. What the schema cannot say (the EQF level a
cycle implies, ECTS to one decimal, blank texts) the engine's whole model
checks in the service (:mod:`.annex_i`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from meriter_credentials.microcredential import AssessmentType, ParticipationForm, QfEheaCycle

MAX_OUTCOMES = 30
Outcome = Annotated[str, Field(min_length=1, max_length=1000)]


class OfferingIn(BaseModel):
    """A micro-credential specification an institution awards."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=500)
    learning_outcomes: list[Outcome] = Field(min_length=1, max_length=MAX_OUTCOMES)
    ects: float = Field(gt=0, le=60, allow_inf_nan=False)
    eqf_level: int = Field(ge=1, le=8)
    qf_ehea_cycle: QfEheaCycle | None = Field(
        default=None,
        description="QF-EHEA cycle, agreeing with eqf_level: short 5, first 6, second 7, third 8",
    )
    assessment_type: AssessmentType = Field(
        description="Annex I type of assessment (Europass Standard List of Assessment Types)"
    )
    participation_form: ParticipationForm = Field(
        description="Annex I form of participation (Europass modes of learning and assessment)"
    )
    prerequisites: str | None = Field(default=None, max_length=5000)
    stackable: bool = False
    stackability: str | None = Field(default=None, max_length=5000)
    language: str = Field(pattern=r"^[a-z]{2,3}$")
    field_of_study: str = Field(
        min_length=1, max_length=200, description="ISCED-F 2013 code or label"
    )


class OfferingOut(OfferingIn):
    model_config = ConfigDict(extra="ignore")
    id: str
    institution_id: str
    version: int
