"""Institution request and response bodies (not the ``institution.*`` event payloads).

Every value a body accepts is one the database holds: QF-EHEA levels 0..3
(a ``smallint[]`` column), dates written YYYY-MM-DD within the kernel's
range (:data:`~meriter_registry.fields.IsoDate`), text and lists of bounded
length. DEQAR and ETER ids given as empty (or blank) strings mean "none" and
are stored as null. One body names each (resource, identifier) once.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from meriter_registry.fields import IsoDate, OptionalId

MAX_IDENTIFIERS = 100


class Identifier(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resource: str = Field(min_length=1, max_length=100, examples=["SCHAC", "Erasmus", "EU-PIC"])
    identifier: str = Field(min_length=1, max_length=200)
    valid_from: IsoDate | None = None
    valid_to: IsoDate | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Identifier:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self


QfEheaLevel = Annotated[int, Field(ge=0, le=3)]


class InstitutionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    deqar_id: OptionalId = Field(default=None, max_length=50, pattern=r"^DEQARINST\d{4,}$")
    eter_id: OptionalId = Field(default=None, max_length=50, description="blank means none")
    name_official: str = Field(min_length=1, max_length=500)
    name_english: str | None = Field(default=None, max_length=500)
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    city: str | None = Field(default=None, max_length=200)
    website: HttpUrl | None = None
    qf_ehea_levels: list[QfEheaLevel] = Field(
        default_factory=list, max_length=4, description="0 short cycle .. 3 third cycle"
    )
    is_other_provider: bool = False
    identifiers: list[Identifier] = Field(default_factory=list, max_length=MAX_IDENTIFIERS)

    @field_validator("identifiers")
    @classmethod
    def _each_identifier_once(cls, identifiers: list[Identifier]) -> list[Identifier]:
        keys = [(i.resource, i.identifier) for i in identifiers]
        if len(set(keys)) != len(keys):
            raise ValueError("an identifier (resource and identifier) is given twice")
        return identifiers


class StoredIdentifier(BaseModel):
    resource: str
    identifier: str
    valid_from: date | None = None
    valid_to: date | None = None


class InstitutionOut(BaseModel):
    """An institution as stored (read back without the input's bounds, so an
    answer never refuses what an older version of the registry accepted)."""

    id: str
    deqar_id: str | None = None
    eter_id: str | None = None
    name_official: str
    name_english: str | None = None
    country: str
    city: str | None = None
    website: str | None = None
    qf_ehea_levels: list[int] = Field(default_factory=list)
    is_other_provider: bool = False
    identifiers: list[StoredIdentifier] = Field(default_factory=list)
    deactivated_at: datetime | None = Field(
        default=None,
        description="when the national body deactivated it (null: active); a deactivated "
        "institution stays listed and its credentials verifiable, but issues no new ones",
    )
    deactivation_reason: str | None = Field(
        default=None, description="why, as the national body gave it (while deactivated)"
    )


class StatusChange(BaseModel):
    """Why the national body deactivates or reactivates an institution (kept in its history)."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(
        min_length=1,
        max_length=1000,
        examples=["merged into another institution", "licence withdrawn by the ministry"],
    )


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
    deactivated_at: datetime | None = None


class InstitutionPage(BaseModel):
    results: list[InstitutionSummary]
    next_cursor: str | None


class InstitutionRef(BaseModel):
    """How a submission names an institution (DEQAR: one of these keys)."""

    model_config = ConfigDict(extra="forbid")
    deqar_id: str | None = Field(default=None, max_length=50)
    eter_id: str | None = Field(default=None, max_length=50)
    identifier: str | None = Field(default=None, max_length=200)
    resource: str | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _one_key(self) -> InstitutionRef:
        if not (self.deqar_id or self.eter_id or (self.identifier and self.resource)):
            raise ValueError("give deqar_id, eter_id, or identifier with resource")
        return self
