"""Request and response bodies of the registry API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, HttpUrl


class InstitutionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    deqar_id: str | None = Field(default=None, pattern=r"^DEQARINST\d{4,}$")
    name_official: str = Field(min_length=1, max_length=500)
    name_english: str | None = Field(default=None, max_length=500)
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    city: str | None = Field(default=None, max_length=200)
    website: HttpUrl | None = None


class InstitutionOut(InstitutionIn):
    model_config = ConfigDict(extra="ignore")
    id: str
