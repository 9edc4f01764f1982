"""Institution request and response bodies (not the ``institution.*`` event payloads)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator


class Identifier(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resource: str = Field(min_length=1, max_length=100, examples=["SCHAC", "Erasmus", "EU-PIC"])
    identifier: str = Field(min_length=1, max_length=200)
    valid_from: date | None = None
    valid_to: date | None = None


class InstitutionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    deqar_id: str | None = Field(default=None, pattern=r"^DEQARINST\d{4,}$")
    eter_id: str | None = Field(default=None, max_length=50)
    name_official: str = Field(min_length=1, max_length=500)
    name_english: str | None = Field(default=None, max_length=500)
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    city: str | None = Field(default=None, max_length=200)
    website: HttpUrl | None = None
    qf_ehea_levels: list[int] = Field(default_factory=list, description="0 short cycle .. 3")
    is_other_provider: bool = False
    identifiers: list[Identifier] = Field(default_factory=list)


class InstitutionOut(InstitutionIn):
    model_config = ConfigDict(extra="ignore")
    id: str


class InstitutionSummary(BaseModel):
    """An institution as a search lists it (and its CSV export's columns)."""

    id: str
    deqar_id: str | None
    eter_id: str | None
    name_official: str
    name_english: str | None
    country: str
    city: str | None
    website: str | None


class InstitutionPage(BaseModel):
    results: list[InstitutionSummary]
    next_cursor: str | None


class InstitutionRef(BaseModel):
    """How a submission names an institution (DEQAR: one of these keys)."""

    model_config = ConfigDict(extra="forbid")
    deqar_id: str | None = None
    eter_id: str | None = None
    identifier: str | None = None
    resource: str | None = None

    @model_validator(mode="after")
    def _one_key(self) -> InstitutionRef:
        if not (self.deqar_id or self.eter_id or (self.identifier and self.resource)):
            raise ValueError("give deqar_id, eter_id, or identifier with resource")
        return self
