"""What institutions post, and what they are told back."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from meriter_credentials.microcredential import IdentityType, Supervision
from meriter_shared.validation import EARLIEST, LATEST

State = Literal["accepted", "held", "issued", "rejected"]
# Who can change a held or rejected result's outcome (see ``intake.service.next_step``).
ReasonKind = Literal["institution", "offering", "quality-assurance", "result", "erased"]

DATE_FORMAT = "expected an ISO 8601 date, YYYY-MM-DD"
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso_date(value: Any) -> Any:
    """Only ``YYYY-MM-DD`` is a date here (not a timestamp, not ``01/12/2026``), and
    every refusal names that format: pydantic's own words ("invalid character in
    year") leave an institution guessing which format was meant."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise PydanticCustomError("date_format", DATE_FORMAT + " (such as 2026-06-01)")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError(
            "date_value", DATE_FORMAT + ", naming a day of the calendar"
        ) from None


def _in_range(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise PydanticCustomError("date_range", f"{DATE_FORMAT}, between {EARLIEST} and {LATEST}")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date), AfterValidator(_in_range)]
"""A calendar date written ``YYYY-MM-DD``, within the range the database keeps."""


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
    assessed_on: IsoDate = Field(description="When the learner was assessed; not in the future.")
    grade: str | None = Field(default=None, min_length=1, max_length=40)
    supervision: Supervision | None = None
    issued_on: IsoDate | None = Field(
        default=None, description="The date of issuing, if not today; not before assessed_on."
    )


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
    revision: int = Field(description="1, and one more at each correction (PUT)")
    credential_id: str | None = Field(
        description="The credential last issued for this result (a correction's replaces it "
        "once signed)"
    )
    reason: str | None
    reason_kind: ReasonKind | None = Field(
        description="What keeps the result held or rejected: 'institution' or 'offering' "
        "(the registry's data), 'quality-assurance', 'result' (its own data), 'erased'"
    )
    next_step: str | None = Field(
        description="What happens next, or what to do, for a held or rejected result"
    )
    accepted_at: datetime
    updated_at: datetime
    assessed_on: date


class RevisionOut(BaseModel):
    """An earlier revision of a result, replaced by a correction."""

    revision: int
    changed: list[str] = Field(description="The fields the next revision changed")
    replaced_at: datetime
    credential_id: str | None = Field(
        description="The credential issued for this revision (revoked as superseded), if any"
    )


class ResultDetail(ResultOut):
    """One result with its history, oldest revision first."""

    history: list[RevisionOut]


class ResultsPage(BaseModel):
    items: list[ResultOut]
    next_cursor: str | None


class Summary(BaseModel):
    accepted: int
    held: int
    issued: int
    rejected: int
