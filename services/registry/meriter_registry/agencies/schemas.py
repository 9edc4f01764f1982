"""Agency request and response bodies (not the ``agency.*`` event payloads)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, HttpUrl


class RegistrationPeriod(BaseModel):
    model_config = ConfigDict(extra="forbid")
    registered_from: date
    registered_to: date | None = None


class AgencyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    deqar_id: str | None = Field(default=None, max_length=50)
    acronym: str = Field(min_length=1, max_length=50)
    name: str = Field(min_length=1, max_length=500)
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    website: HttpUrl | None = None
    eqar_registrations: list[RegistrationPeriod] = Field(default_factory=list)


class AgencyOut(AgencyIn):
    model_config = ConfigDict(extra="ignore")
    id: str


class AgencyListed(BaseModel):
    """An agency as the list shows it, website as stored."""

    id: str
    deqar_id: str | None
    acronym: str
    name: str
    country: str | None
    website: str | None
    eqar_registrations: list[RegistrationPeriod]


class AgencyList(BaseModel):
    results: list[AgencyListed]
