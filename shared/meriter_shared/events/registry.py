"""The events the registry publishes on ``registry.events``, and their payloads.

Each payload is the aggregate's new public state (event-carried state
transfer), so the issuer and verifier keep projections — and apply the rule
in :mod:`meriter_shared.qa` to them — without calling the registry for every
credential. Keyed by the aggregate id; v1 of every type. Consumers ignore
fields they do not know (``extra="ignore"``), so adding a field is not a new
version; removing or changing one is, with an upcaster.

Client events never carry a secret or its hash.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from meriter_shared.events.envelope import register_event

INSTITUTION_REGISTERED = "institution.registered"
INSTITUTION_UPDATED = "institution.updated"
AGENCY_REGISTERED = "agency.registered"
AGENCY_UPDATED = "agency.updated"
REPORT_RECORDED = "report.recorded"
REPORT_UPDATED = "report.updated"
REPORT_WITHDRAWN = "report.withdrawn"
REPORT_FLAGGED = "report.flagged"
REPORT_FLAG_LIFTED = "report.flag_lifted"
OFFERING_PUBLISHED = "offering.published"
OFFERING_UPDATED = "offering.updated"
CLIENT_CREATED = "client.created"
CLIENT_REVOKED = "client.revoked"


class _State(BaseModel):
    model_config = ConfigDict(extra="ignore")


class InstitutionIdentifier(_State):
    resource: str
    identifier: str
    valid_from: date | None = None
    valid_to: date | None = None


class InstitutionState(_State):
    """``institution.registered`` / ``institution.updated``."""

    institution_id: str
    deqar_id: str | None = None
    name_official: str
    name_english: str | None = None
    country: str
    city: str | None = None
    website: str | None = None
    identifiers: list[InstitutionIdentifier] = []


class RegistrationPeriod(_State):
    registered_from: date
    registered_to: date | None = None


class AgencyState(_State):
    """``agency.registered`` / ``agency.updated``: with its EQAR registrations."""

    id: str
    deqar_id: str | None = None
    acronym: str
    name: str
    country: str | None = None
    website: str | None = None
    eqar_registrations: list[RegistrationPeriod] = []


class ReportState(_State):
    """``report.recorded`` / ``report.updated`` / ``report.withdrawn``: the version in force."""

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


class ReportFlagState(_State):
    """``report.flagged`` / ``report.flag_lifted``: a high flag takes the report out
    of the rule from ``raised_at`` until ``lifted_at``."""

    id: str
    report_id: str
    level: Literal["low", "high"]
    reason: str
    raised_at: datetime
    lifted_at: datetime | None = None


class OfferingState(_State):
    """``offering.published`` / ``offering.updated``: a micro-credential specification."""

    id: str
    institution_id: str
    version: int
    title: str
    learning_outcomes: list[str]
    ects: float
    eqf_level: int
    qf_ehea_cycle: str | None = None
    assessment_type: str
    participation_form: str
    prerequisites: str | None = None
    stackable: bool = False
    stackability: str | None = None
    language: str
    field_of_study: str


class ClientState(_State):
    """``client.created`` / ``client.revoked`` (role and tenant only when created)."""

    client_id: str
    role: Literal["admin", "agency", "institution"] | None = None
    tenant_id: str | None = None


PAYLOADS: dict[str, type[BaseModel]] = {
    INSTITUTION_REGISTERED: InstitutionState,
    INSTITUTION_UPDATED: InstitutionState,
    AGENCY_REGISTERED: AgencyState,
    AGENCY_UPDATED: AgencyState,
    REPORT_RECORDED: ReportState,
    REPORT_UPDATED: ReportState,
    REPORT_WITHDRAWN: ReportState,
    REPORT_FLAGGED: ReportFlagState,
    REPORT_FLAG_LIFTED: ReportFlagState,
    OFFERING_PUBLISHED: OfferingState,
    OFFERING_UPDATED: OfferingState,
    CLIENT_CREATED: ClientState,
    CLIENT_REVOKED: ClientState,
}

for _type in PAYLOADS:
    register_event(_type, 1)
