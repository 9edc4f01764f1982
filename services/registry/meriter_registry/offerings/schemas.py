"""Offering request and response bodies (not the ``offering.*`` event payloads)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class OfferingIn(BaseModel):
    """A micro-credential specification an institution awards."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=500)
    learning_outcomes: list[str] = Field(min_length=1)
    ects: float = Field(gt=0, le=60)
    eqf_level: int = Field(ge=1, le=8)
    qf_ehea_cycle: Literal["short", "first", "second", "third"] | None = None
    assessment_type: str = Field(min_length=1)
    participation_form: Literal["online", "onsite", "blended"]
    prerequisites: str | None = None
    stackable: bool = False
    stackability: str | None = None
    language: str = Field(pattern=r"^[a-z]{2,3}$")
    field_of_study: str = Field(min_length=1, description="ISCED-F 2013 code or label")


class OfferingOut(OfferingIn):
    model_config = ConfigDict(extra="ignore")
    id: str
    institution_id: str
    version: int
