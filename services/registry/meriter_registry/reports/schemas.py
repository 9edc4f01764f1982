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

from datetime import date, datetime
from typing import Any, Literal

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
from meriter_registry.institutions.schemas import InstitutionRef
from meriter_shared.qa import ActivityType, Decision, Status


class Programme(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name_primary: str = Field(min_length=1)
    programme_type: str | None = None
    nqf_level: str | None = None
    qf_ehea_level: str | None = None
    alternative_names: list[dict[str, str]] = Field(default_factory=list)
    identifiers: list[dict[str, str]] = Field(default_factory=list)


class ReportLink(BaseModel):
    model_config = ConfigDict(extra="forbid")
    link: HttpUrl
    link_display_name: str | None = None


class ReportFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    original_location: HttpUrl
    display_name: str | None = None
    report_language: list[str] = Field(default_factory=list)


class ReportSubmission(BaseModel):
    """A DEQAR submission object (``agency``/``agency_id``, ``status``/``status_id``...).

    Differences from DEQAR, on purpose: ``local_identifier`` is required (it is
    this registry's update key), and the activity type is taken from
    ``activity_type`` when given, else read from the ``activity`` name, since
    the registry keeps no per-agency activity lists.
    """

    model_config = ConfigDict(extra="forbid")
    agency: str = Field(min_length=1)
    contributing_agencies: list[str] = Field(default_factory=list)
    deqar_id: str | None = None
    local_identifier: str = Field(min_length=1, max_length=255)
    activity: str | None = None
    activity_local_identifier: str | None = None
    activity_type: ActivityType
    status: Status
    decision: Decision
    summary: str | None = None
    date_format: str = "%Y-%m-%d"
    valid_from: str
    valid_to: str | None = None
    institutions: list[InstitutionRef] = Field(min_length=1)
    programmes: list[Programme] = Field(default_factory=list)
    report_links: list[ReportLink] = Field(default_factory=list)
    report_files: list[ReportFile] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _deqar_aliases(cls, data: Any) -> Any:
        return deqar.submission_aliases(data)

    def dates(self) -> tuple[date, date | None]:
        vf = datetime.strptime(self.valid_from, self.date_format).date()
        vt = datetime.strptime(self.valid_to, self.date_format).date() if self.valid_to else None
        return vf, vt

    @field_validator("valid_from", "valid_to")
    @classmethod
    def _date_matches_format(cls, value: str | None, info: ValidationInfo) -> str | None:
        # A field validator (not a model one) so a bad date is reported beside
        # every other bad field of the same report.
        fmt = info.data.get("date_format", "%Y-%m-%d")
        if value:
            try:
                datetime.strptime(value, fmt)
            except ValueError as exc:
                raise ValueError(f"does not match date_format {fmt}") from exc
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
