"""The qa-status answer (a read model over reports, agencies and institutions)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from meriter_registry.reports.schemas import ReportOut


class QaStatus(BaseModel):
    institution_id: str
    on: date
    as_of: datetime
    quality_assured: bool
    reports: list[ReportOut]
    not_counted: dict[str, str] = Field(
        default_factory=dict, description="report id -> why it does not count on the date"
    )
