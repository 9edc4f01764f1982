"""Agency request and response bodies (not the ``agency.*`` event payloads).

Every value a body accepts is one the database holds: dates written
YYYY-MM-DD within the kernel's range (:data:`~meriter_registry.fields.IsoDate`),
text and lists of bounded length. A DEQAR id given as an empty (or blank) string means "none"
and is stored as null, so no two agencies collide on ``""`` and nothing
resolves an agency by it. Two EQAR registration periods of one agency
cannot start on the same day (422, naming the period).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from meriter_registry.fields import IsoDate, OptionalId

MAX_REGISTRATIONS = 50
MAX_ACTIVITIES = 100
ActivityTypeName = Literal[
    "institutional", "programme", "joint programme", "institutional/programme"
]


class RegistrationPeriod(BaseModel):
    model_config = ConfigDict(extra="forbid")
    registered_from: IsoDate
    registered_to: IsoDate | None = None

    @model_validator(mode="after")
    def _ordered(self) -> RegistrationPeriod:
        if self.registered_to is not None and self.registered_to < self.registered_from:
            raise ValueError("registered_to is before registered_from")
        return self


class Activity(BaseModel):
    """One of the agency's ESG activities, as DEQAR lists them: submissions name
    an activity by its DEQAR id, its name or the agency's local identifier."""

    model_config = ConfigDict(extra="forbid")
    deqar_id: OptionalId = Field(default=None, max_length=50, description="DEQAR activity id")
    activity: str = Field(min_length=1, max_length=500)
    activity_type: ActivityTypeName
    local_identifier: OptionalId = Field(default=None, max_length=200)
    valid_to: IsoDate | None = None


class AgencyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    deqar_id: OptionalId = Field(default=None, max_length=50, description="blank means none")
    acronym: str = Field(min_length=1, max_length=50)
    name: str = Field(min_length=1, max_length=500)
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    website: HttpUrl | None = None
    eqar_registrations: list[RegistrationPeriod] = Field(
        default_factory=list, max_length=MAX_REGISTRATIONS
    )
    activities: list[Activity] = Field(default_factory=list, max_length=MAX_ACTIVITIES)

    @field_validator("activities")
    @classmethod
    def _activities_named_once(cls, activities: list[Activity]) -> list[Activity]:
        for key in ("deqar_id", "local_identifier"):
            values = [getattr(a, key) for a in activities if getattr(a, key) is not None]
            if len(set(values)) != len(values):
                raise ValueError(f"two activities have the same {key}")
        names = [a.activity.lower() for a in activities]
        if len(set(names)) != len(names):
            raise ValueError("two activities have the same name")
        return activities

    @field_validator("eqar_registrations")
    @classmethod
    def _one_period_per_start(cls, periods: list[RegistrationPeriod]) -> list[RegistrationPeriod]:
        starts = [p.registered_from for p in periods]
        if len(set(starts)) != len(starts):
            raise ValueError("two EQAR registration periods start on the same day")
        return periods


class AgencyOut(AgencyIn):
    model_config = ConfigDict(extra="ignore")
    id: str


class StoredPeriod(BaseModel):
    """A registration period as stored (read back without the input's bounds)."""

    registered_from: date
    registered_to: date | None = None


class StoredActivity(BaseModel):
    deqar_id: str | None = None
    activity: str
    activity_type: str
    local_identifier: str | None = None
    valid_to: date | None = None


class AgencyListed(BaseModel):
    """An agency as the list shows it, every value as stored: a listing never
    refuses what an older version of the registry accepted."""

    id: str
    deqar_id: str | None
    acronym: str
    name: str
    country: str | None
    website: str | None
    eqar_registrations: list[StoredPeriod]
    activities: list[StoredActivity] = Field(default_factory=list)


class AgencyList(BaseModel):
    results: list[AgencyListed]
