"""The events the registry publishes on ``registry.events``, and their payloads.

Each payload is the aggregate's new public state (event-carried state
transfer), so the issuer and verifier keep projections — and apply the rule
in :mod:`meriter_shared.qa` to them — without calling the registry for every
credential. One contract class per event type (``InstitutionRegistered`` …),
sharing the state model of its aggregate; keyed by the aggregate id; v1 of
every type. See :mod:`meriter_shared.events.contracts` for how they evolve.

Client events never carry a secret or its hash.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from meriter_shared.events.contracts import EventPayload
from meriter_shared.events.topics import Topics

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


class _State(EventPayload):
    topic: ClassVar[str] = Topics.REGISTRY
    source: ClassVar[str] = "urn:meriter:registry"


class InstitutionIdentifier(BaseModel):
    model_config = ConfigDict(extra="ignore")

    resource: str
    identifier: str
    valid_from: date | None = None
    valid_to: date | None = None


class InstitutionState(_State):
    """``institution.registered`` / ``institution.updated``.

    ``deactivated_at``: when the national body deactivated the institution
    (``None``, or absent in older events: active). A deactivated institution
    stays in the registry and its credentials stay verifiable; it issues no
    new ones."""

    subject_field: ClassVar[str] = "institution_id"

    institution_id: str
    deqar_id: str | None = None
    name_official: str
    name_english: str | None = None
    country: str
    city: str | None = None
    website: str | None = None
    identifiers: list[InstitutionIdentifier] = Field(default_factory=list)
    deactivated_at: datetime | None = None


class RegistrationPeriod(BaseModel):
    model_config = ConfigDict(extra="ignore")

    registered_from: date
    registered_to: date | None = None


class AgencyState(_State):
    """``agency.registered`` / ``agency.updated``: with its EQAR registrations."""

    subject_field: ClassVar[str] = "id"

    id: str
    deqar_id: str | None = None
    acronym: str
    name: str
    country: str | None = None
    website: str | None = None
    eqar_registrations: list[RegistrationPeriod] = Field(default_factory=list)


class ReportState(_State):
    """``report.recorded`` / ``report.updated`` / ``report.withdrawn``: the version in force.

    A withdrawal keeps the version and sets ``withdrawn_at`` (when it was
    recorded) and ``withdrawn_on`` (the day from which the report no longer
    counts; absent in events older than that field: every day)."""

    subject_field: ClassVar[str] = "id"

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
    withdrawn_on: date | None = None


class ReportFlagState(_State):
    """``report.flagged`` / ``report.flag_lifted``: a high flag takes the report out
    of the rule from ``raised_at`` until ``lifted_at``. Keyed by the report."""

    subject_field: ClassVar[str] = "report_id"

    id: str
    report_id: str
    level: Literal["low", "high"]
    reason: str
    raised_at: datetime
    lifted_at: datetime | None = None


class OfferingState(_State):
    """``offering.published`` / ``offering.updated``: a micro-credential specification."""

    subject_field: ClassVar[str] = "id"

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

    subject_field: ClassVar[str] = "client_id"

    client_id: str
    role: Literal["admin", "agency", "institution"] | None = None
    tenant_id: str | None = None


# --- the contracts: one class per event type ------------------------------


class InstitutionRegistered(InstitutionState):
    event_type: ClassVar[str] = INSTITUTION_REGISTERED


class InstitutionUpdated(InstitutionState):
    event_type: ClassVar[str] = INSTITUTION_UPDATED


class AgencyRegistered(AgencyState):
    event_type: ClassVar[str] = AGENCY_REGISTERED


class AgencyUpdated(AgencyState):
    event_type: ClassVar[str] = AGENCY_UPDATED


class ReportRecorded(ReportState):
    event_type: ClassVar[str] = REPORT_RECORDED


class ReportUpdated(ReportState):
    event_type: ClassVar[str] = REPORT_UPDATED


class ReportWithdrawn(ReportState):
    event_type: ClassVar[str] = REPORT_WITHDRAWN


class ReportFlagged(ReportFlagState):
    event_type: ClassVar[str] = REPORT_FLAGGED


class ReportFlagLifted(ReportFlagState):
    event_type: ClassVar[str] = REPORT_FLAG_LIFTED


class OfferingPublished(OfferingState):
    event_type: ClassVar[str] = OFFERING_PUBLISHED


class OfferingUpdated(OfferingState):
    event_type: ClassVar[str] = OFFERING_UPDATED


class ClientCreated(ClientState):
    event_type: ClassVar[str] = CLIENT_CREATED


class ClientRevoked(ClientState):
    event_type: ClassVar[str] = CLIENT_REVOKED


PAYLOADS: dict[str, type[EventPayload]] = {
    c.event_type: c
    for c in (
        InstitutionRegistered,
        InstitutionUpdated,
        AgencyRegistered,
        AgencyUpdated,
        ReportRecorded,
        ReportUpdated,
        ReportWithdrawn,
        ReportFlagged,
        ReportFlagLifted,
        OfferingPublished,
        OfferingUpdated,
        ClientCreated,
        ClientRevoked,
    )
}
