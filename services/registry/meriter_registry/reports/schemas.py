"""Report request and response bodies (not the ``report.*`` event payloads).

Report submissions use the object shape of DEQAR's Submission API v2 so an
agency's existing tooling works unchanged: ``agency`` (acronym or DEQAR
agency id), ``local_identifier``, ``activity``/``activity_type``, ``status``,
``decision``, ``valid_from``/``valid_to`` written in ``date_format``,
``institutions`` referenced by ``deqar_id``, ``eter_id`` or
``identifier`` + ``resource``, optional ``programmes``, ``report_links`` and
``report_files``. Unknown fields are refused so a typo is reported, not lost.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationInfo,
    field_validator,
    model_validator,
)

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
MAX_INSTITUTIONS = 200
MAX_PROGRAMMES = 200
MAX_LINKS = 50


class Programme(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name_primary: str = Field(min_length=1, max_length=500)
    programme_type: str | None = Field(default=None, max_length=200)
    nqf_level: str | None = Field(default=None, max_length=200)
    qf_ehea_level: str | None = Field(default=None, max_length=200)
    alternative_names: list[Names] = Field(default_factory=list, max_length=20)
    identifiers: list[Names] = Field(default_factory=list, max_length=20)


class ReportLink(BaseModel):
    model_config = ConfigDict(extra="forbid")
    link: HttpUrl
    link_display_name: str | None = Field(default=None, max_length=500)


class ReportFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    original_location: HttpUrl
    display_name: str | None = Field(default=None, max_length=500)
    report_language: list[Annotated[str, Field(max_length=10)]] = Field(
        default_factory=list, max_length=30
    )


class ReportSubmission(BaseModel):
    """A DEQAR submission object (``agency``/``agency_id``, ``status``/``status_id``...).

    Differences from DEQAR, on purpose: ``local_identifier`` is required (it is
    this registry's update key), and the activity type is taken from
    ``activity_type`` when given, else read from the ``activity`` name, since
    the registry keeps no per-agency activity lists. Every text and list has a
    bound, and ``valid_from``/``valid_to`` must name days within
    :data:`meriter_shared.validation.EARLIEST`..``LATEST``, so the six-year
    default validity and every stored date stay representable.
    """

    model_config = ConfigDict(extra="forbid")
    agency: str = Field(min_length=1, max_length=200)
    contributing_agencies: list[Short] = Field(default_factory=list, max_length=20)
    deqar_id: OptionalId = Field(default=None, max_length=50)
    local_identifier: str = Field(min_length=1, max_length=255)
    activity: str | None = Field(default=None, max_length=500)
    activity_local_identifier: str | None = Field(default=None, max_length=255)
    activity_type: ActivityType
    status: Status
    decision: Decision
    summary: str | None = Field(default=None, max_length=20_000)
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


class SubmissionResult(BaseModel):
    submitted_report_id: str
    submission_status: Literal["success"] = "success"
    version: int
    created: bool
    report_warnings: list[str] = Field(default_factory=list)


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


class QaStatus(BaseModel):
    institution_id: str
    on: date
    as_of: datetime
    quality_assured: bool
    reports: list[ReportOut]
    not_counted: dict[str, str] = Field(
        default_factory=dict, description="report id -> why it does not count on the date"
    )
