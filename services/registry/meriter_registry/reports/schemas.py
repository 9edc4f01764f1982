"""Report request and response bodies (not the ``report.*`` event payloads).

Report submissions use the object shape of DEQAR's Submission API v2 so an
agency's existing tooling works unchanged: ``agency`` (acronym or DEQAR
agency id), ``local_identifier``, ``activity``/``activity_type``, ``status``,
``decision``, ``valid_from``/``valid_to`` written in ``date_format``,
``institutions`` referenced by ``deqar_id``, ``eter_id`` or
``identifier`` + ``resource`` (or DEQAR's ``identifiers[]``), optional
``programmes``, ``report_links`` and ``report_files``, and every other field
DEQAR documents (see :class:`ReportSubmission`). Unknown fields are refused so
a typo is reported, not lost. The answer is DEQAR's success response
(:class:`SubmissionResult`).
"""

from __future__ import annotations

import re
import typing
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from meriter_registry import deqar
from meriter_registry.fields import OptionalId
from meriter_registry.institutions.schemas import InstitutionRef
from meriter_shared.qa import ActivityType, Decision, Status
from meriter_shared.validation import EARLIEST, LATEST

# What a date_format may hold (after DEQAR's %-d/%-m are read as %d/%m): a
# calendar day's parts, each once; strptime refuses the rest with a 500's worth
# of surprises (a repeated directive is a regular-expression error).
_DATE_DIRECTIVES = frozenset("YymdbBj%")
Short = Annotated[str, Field(max_length=200)]
Names = Annotated[
    dict[Annotated[str, Field(max_length=100)], Annotated[str, Field(max_length=1000)]],
    Field(max_length=10),
]
_BOOLEANS: dict[str, bool] = {
    **dict.fromkeys(("yes", "true", "1"), True),
    **dict.fromkeys(("no", "false", "0"), False),
}
MAX_INSTITUTIONS = 200
MAX_PROGRAMMES = 200
MAX_LINKS = 50


DegreeOutcome = Literal["full degree", "no full degree"]
Assessment = Literal[
    "Attendance certificate", "Assessment based certificate", "No assessment and no certificate"
]
QfEheaLevelName = Literal["short cycle", "first cycle", "second cycle", "third cycle"]
_DEGREE_OUTCOMES: dict[str, DegreeOutcome] = {
    "1": "full degree",
    "yes": "full degree",
    "true": "full degree",
    "full degree": "full degree",
    "2": "no full degree",
    "no": "no full degree",
    "false": "no full degree",
    "no full degree": "no full degree",
}
_ASSESSMENTS: dict[str, Assessment] = {
    "1": "Attendance certificate",
    "2": "Assessment based certificate",
    "3": "No assessment and no certificate",
    **{a.lower(): a for a in typing.get_args(Assessment)},
}
_LEVELS: dict[str, QfEheaLevelName] = {
    **{str(i): name for i, name in enumerate(typing.get_args(QfEheaLevelName))},
    **{name: name for name in typing.get_args(QfEheaLevelName)},
}
Country = Annotated[str, Field(pattern=r"^[A-Za-z]{2,3}$")]
Text = Annotated[str, Field(max_length=500)]
EscoSkill = Annotated[
    str, Field(max_length=300, pattern=r"^https?://data\.europa\.eu/esco/skill/[\w-]+$")
]


def _named(table: dict[str, Any], what: str) -> Any:
    def read(value: Any) -> Any:
        if value is None or (isinstance(value, bool) and what != "degree outcome"):
            return value
        found = table.get(str(value).strip().lower())
        if found is None:
            raise ValueError(f"unknown {what} {value!r}; accepted: {', '.join(sorted(table))}")
        return found

    return read


class Programme(BaseModel):
    """A programme as DEQAR's Submission API documents it (JSON names, and the CSV
    template's ``name_alternative[n]``, ``country[n]``, ``identifier[n]`` too)."""

    model_config = ConfigDict(extra="forbid")
    name_primary: str = Field(min_length=1, max_length=500)
    qualification_primary: str | None = Field(default=None, max_length=500)
    programme_type: str | None = Field(default=None, max_length=200)
    nqf_level: str | None = Field(default=None, max_length=200)
    qf_ehea_level: Annotated[QfEheaLevelName | None, BeforeValidator(_named(_LEVELS, "level"))] = (
        None
    )
    degree_outcome: Annotated[
        DegreeOutcome | None, BeforeValidator(_named(_DEGREE_OUTCOMES, "degree outcome"))
    ] = None
    workload_ects: int | None = Field(default=None, ge=0, le=1000)
    assessment_certification: Annotated[
        Assessment | None, BeforeValidator(_named(_ASSESSMENTS, "assessment"))
    ] = None
    learning_outcomes: list[EscoSkill] = Field(default_factory=list, max_length=100)
    learning_outcome_description: str | None = Field(default=None, max_length=20_000)
    field_study: str | None = Field(
        default=None,
        max_length=300,
        pattern=r"^(\d{2,4}|https?://data\.europa\.eu/esco/isced-f/\d{2,4})$",
    )
    countries: list[Country] = Field(default_factory=list, max_length=50)
    alternative_names: list[Names] = Field(default_factory=list, max_length=20)
    identifiers: list[Names] = Field(default_factory=list, max_length=20)

    @model_validator(mode="before")
    @classmethod
    def _csv_names(cls, data: Any) -> Any:
        return deqar.programme_aliases(data)

    @model_validator(mode="after")
    def _micro_credential_details(self) -> Programme:
        # DEQAR: a programme that leads to no full degree says its workload and assessment.
        if self.degree_outcome == "no full degree":
            missing = [
                f for f in ("workload_ects", "assessment_certification") if getattr(self, f) is None
            ]
            if missing:
                raise ValueError(f"a programme with no full degree needs {' and '.join(missing)}")
        return self


class ReportLink(BaseModel):
    model_config = ConfigDict(extra="forbid")
    link: HttpUrl
    link_display_name: str | None = Field(default=None, max_length=500)


class ReportFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    original_location: HttpUrl | None = None
    display_name: str | None = Field(default=None, max_length=500)
    report_language: list[Annotated[str, Field(max_length=10)]] = Field(
        default_factory=list, max_length=30
    )


class ReportSubmission(BaseModel):
    """A DEQAR submission object (``agency``/``agency_id``, ``status``/``status_id``...).

    Every field DEQAR documents is accepted: ``report_id`` (DEQAR's report id,
    or the registry's: the report to update), ``contributing_agencies``,
    ``activity`` (DEQAR activity id or name) or ``activity_local_identifier``,
    ``summary``, ``other_comment``, ``micro_credentials_covered``, the
    programme fields, files and links. The activity's type comes from the
    agency's DEQAR activity list (see the agencies); for an activity the
    agency does not list, from ``activity_type`` or the activity's name.

    Differences from DEQAR, on purpose: a new report needs a
    ``local_identifier`` (this registry's update key); report files are not
    required (the registry stores links, not PDFs). Every text and list has a
    bound, and ``valid_from``/``valid_to`` must name days within
    :data:`meriter_shared.validation.EARLIEST`..``LATEST``, so the six-year
    default validity and every stored date stay representable.
    """

    model_config = ConfigDict(extra="forbid")
    agency: str = Field(min_length=1, max_length=200)
    contributing_agencies: list[Short] = Field(default_factory=list, max_length=20)
    report_id: OptionalId = Field(default=None, max_length=50)
    local_identifier: OptionalId = Field(
        default=None, min_length=1, max_length=255, validate_default=True
    )
    activity: str | None = Field(default=None, max_length=500)
    activity_local_identifier: str | None = Field(default=None, max_length=255)
    activity_type: ActivityType | None = None
    status: Status
    decision: Decision
    summary: str | None = Field(default=None, max_length=20_000)
    other_comment: str | None = Field(default=None, max_length=20_000)
    micro_credentials_covered: Annotated[
        bool | None, BeforeValidator(_named(_BOOLEANS, "yes or no"))
    ] = None
    date_format: str = Field(default="%Y-%m-%d", max_length=50)
    valid_from: str = Field(max_length=50)
    valid_to: str | None = Field(default=None, max_length=50)
    institutions: list[InstitutionRef] = Field(min_length=1, max_length=MAX_INSTITUTIONS)
    programmes: list[Programme] = Field(default_factory=list, max_length=MAX_PROGRAMMES)
    report_links: list[ReportLink] = Field(default_factory=list, max_length=MAX_LINKS)
    report_files: list[ReportFile] = Field(default_factory=list, max_length=MAX_LINKS)

    @model_validator(mode="before")
    @classmethod
    def _deqar_aliases(cls, data: Any) -> Any:
        return deqar.submission_aliases(data)

    def dates(self) -> tuple[date, date | None]:
        vf = datetime.strptime(self.valid_from, self.date_format).date()
        vt = datetime.strptime(self.valid_to, self.date_format).date() if self.valid_to else None
        return vf, vt

    @field_validator("date_format")
    @classmethod
    def _date_directives(cls, value: str) -> str:
        directives = re.findall(r"%(.?)", value)
        unknown = sorted(set(directives) - _DATE_DIRECTIVES)
        if unknown:
            raise ValueError(f"may use only %Y %y %m %d %b %B %j, not %{unknown[0]}")
        named = [d for d in directives if d != "%"]
        if len(set(named)) != len(named):
            raise ValueError("names a part of the date twice")
        return value

    @field_validator("valid_from", "valid_to")
    @classmethod
    def _date_matches_format(cls, value: str | None, info: ValidationInfo) -> str | None:
        # A field validator (not a model one) so a bad date is reported beside
        # every other bad field of the same report.
        fmt = info.data.get("date_format", "%Y-%m-%d")
        if value:
            try:
                day = datetime.strptime(value, fmt).date()
            except ValueError as exc:
                raise ValueError(f"does not match date_format {fmt}") from exc
            if not EARLIEST <= day <= LATEST:
                raise ValueError(f"must be between {EARLIEST} and {LATEST}")
        return value

    @model_validator(mode="after")
    def _dates_ordered(self) -> ReportSubmission:
        vf, vt = self.dates()
        if vt is not None and vt < vf:
            raise ValueError("valid_to is before valid_from")
        return self

    @field_validator("local_identifier")
    @classmethod
    def _local_identifier_or_report_id(cls, value: str | None, info: ValidationInfo) -> str | None:
        # A field validator run on the default too, so the problem names the field.
        if value is None and not info.data.get("report_id"):
            raise PydanticCustomError(
                "missing", "give local_identifier (or report_id to update a report)"
            )
        return value


class SubmittedInstitution(BaseModel):
    id: str
    deqar_id: str | None
    eter_id: str | None
    name_primary: str


class SubmittedProgramme(BaseModel):
    name_primary: str
    countries: list[str] = Field(default_factory=list)


class SubmittedFile(BaseModel):
    file_display_name: str | None
    file_original_location: str | None
    file: str | None = None
    report_language: list[str]


class SubmittedReport(BaseModel):
    """The report as recorded, in DEQAR's response shape (``submitted_report``)."""

    id: str
    agency: str
    contributing_agencies: list[str]
    local_identifier: str
    report_id: str | None = Field(default=None, description="DEQAR's report id, if known")
    agency_esg_activity: str | None
    activity_type: str
    status: str
    decision: str
    summary: str | None
    other_comment: str | None
    valid_from: date
    valid_to: date | None
    files: list[SubmittedFile]
    institutions: list[SubmittedInstitution]
    programmes: list[SubmittedProgramme]


class SubmissionResult(BaseModel):
    """DEQAR's success response (``submission_status``, ``submitted_report``,
    ``sanity_check_status``, ``report_flag``, ``report_warnings``,
    ``institution_warnings``) and the registry's own ``submitted_report_id``,
    ``version`` and ``created``."""

    submission_status: Literal["success"] = "success"
    submitted_report_id: str
    version: int
    created: bool
    submitted_report: SubmittedReport | None = None
    sanity_check_status: Literal["success", "warnings"] = "success"
    report_flag: Literal["none", "low level", "high level"] = "none"
    report_warnings: list[str] = Field(default_factory=list)
    institution_warnings: list[str] = Field(default_factory=list)


class ReportOut(BaseModel):
    """A report version as the API answers. The ``report.*`` events carry the
    shared contract :class:`meriter_shared.events.registry.ReportState`, mapped
    from this field by field in :mod:`.service`, so the API and the contract
    can change apart."""

    id: str
    agency_id: str
    local_identifier: str
    version: int
    activity_type: str
    status: str
    decision: str
    valid_from: date
    valid_to: date | None
    valid_until: date
    institution_ids: list[str]
    recorded_at: datetime
    withdrawn_at: datetime | None = None
    withdrawn_on: date | None = Field(
        default=None, description="withdrawn: the first day it no longer counts for"
    )


class ReportQuery(BaseModel):
    """DEQAR's report filters (``GET /v1/reports``); an unset filter matches all."""

    model_config = ConfigDict(frozen=True)
    agency: str | None = None
    institution: str | None = None
    country: str | None = None
    activity_type: str | None = None
    status: str | None = None
    decision: str | None = None
    valid_on: date | None = None
    local_identifier: str | None = None
    include_withdrawn: bool = False


class ReportPage(BaseModel):
    results: list[ReportOut]
    next_cursor: str | None


class FlagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level: Literal["low", "high"]
    reason: str = Field(min_length=1, max_length=2000)


class FlagOut(FlagIn):
    id: str
    report_id: str
    raised_at: datetime
    lifted_at: datetime | None = None
