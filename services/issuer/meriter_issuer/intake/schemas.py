"""What institutions post, and what they are told back."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from meriter_credentials.microcredential import IdentityType, Supervision
from meriter_shared.validation import Date

State = Literal["accepted", "held", "issued", "rejected"]


class LearnerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    identifier: str = Field(min_length=1, max_length=200)
    identifier_type: IdentityType = "nationalIdentityNumber"
    name: str = Field(min_length=1, max_length=300)
    email: str = Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    language: Literal["en", "sv"] = "en"


class ResultIn(BaseModel):
    """One assessed result: the learner passed ``offering_id`` on ``assessed_on``."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "example": {
                "result_id": "LADOK-2026-000123",
                "offering_id": "9a8b7c6d-0000-4000-8000-000000000001",
                "learner": {
                    "identifier": "199001011234",
                    "identifier_type": "nationalIdentityNumber",
                    "name": "Åsa Öberg",
                    "email": "asa@example.se",
                    "language": "sv",
                },
                "assessed_on": "2026-06-01",
                "grade": "A",
                "supervision": "onsite-with-id-check",
                "issued_on": "2026-06-03",
            }
        },
    )

    result_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
    offering_id: str = Field(min_length=1, max_length=100)
    learner: LearnerIn
    assessed_on: Date
    grade: str | None = Field(default=None, min_length=1, max_length=40)
    supervision: Supervision | None = None
    issued_on: Date | None = None


Outcome = Literal["accepted", "duplicate", "conflict", "rejected"]
OUTCOMES: tuple[Outcome, ...] = ("accepted", "duplicate", "conflict", "rejected")


class RecordOutcome(BaseModel):
    index: int
    result_id: str | None = None
    outcome: Outcome
    problem: dict[str, Any] | None = None


class IntakeAnswer(BaseModel):
    """Counts and each record's outcome, in the order they were sent."""

    accepted: int
    duplicate: int
    conflict: int
    rejected: int
    records: list[RecordOutcome]


class ResultOut(BaseModel):
    result_id: str
    offering_id: str
    state: State
    credential_id: str | None
    reason: str | None
    accepted_at: datetime
    updated_at: datetime
    assessed_on: date


class ResultsPage(BaseModel):
    items: list[ResultOut]
    next_cursor: str | None


class Summary(BaseModel):
    accepted: int
    held: int
    issued: int
    rejected: int
