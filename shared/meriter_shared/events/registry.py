"""Payloads of the events the registry publishes on ``registry.events``.

Each payload is the aggregate's new public state (event-carried state
transfer), so consumers keep projections without calling the registry.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from meriter_shared.events.envelope import register_event

INSTITUTION_REGISTERED = "institution.registered"
INSTITUTION_UPDATED = "institution.updated"

for _t in (INSTITUTION_REGISTERED, INSTITUTION_UPDATED):
    register_event(_t, 1)


class InstitutionIdentifier(BaseModel):
    model_config = ConfigDict(extra="ignore")
    resource: str
    identifier: str
    valid_from: date | None = None
    valid_to: date | None = None


class InstitutionState(BaseModel):
    """``institution.registered`` / ``institution.updated`` v1."""

    model_config = ConfigDict(extra="ignore")
    institution_id: str
    deqar_id: str | None = None
    name_official: str
    name_english: str | None = None
    country: str
    city: str | None = None
    website: str | None = None
    identifiers: list[InstitutionIdentifier] = []
