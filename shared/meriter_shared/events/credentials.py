"""The events the issuer publishes on ``credentials.events``.

``credential.issued`` carries what the notifier needs to tell the learner
(``delivery``: name, email, language, claim link) and nothing else of the
credential beyond its title and institution; the notifier keeps contact data
only for delivery. ``issuer.identity_changed`` publishes an institution's
DID and every public key it has signed with, so verifiers resolve the
platform's own issuers without a network hop. ``learner.erased`` tells other
services to purge what they hold about a learner.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from meriter_shared.events.contracts import EventPayload
from meriter_shared.events.topics import Topics


class _IssuerEvent(EventPayload):
    topic: ClassVar[str] = Topics.CREDENTIALS
    source: ClassVar[str] = "urn:meriter:issuer"


class Delivery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str
    email: str
    language: Literal["en", "sv"]
    claim_url: str
    claim_expires_at: datetime


class CredentialIssued(_IssuerEvent):
    """``credential.issued``: a signed credential is stored and claimable."""

    event_type: ClassVar[str] = "credential.issued"
    subject_field: ClassVar[str] = "credential_id"

    credential_id: str
    institution_id: str
    result_id: str | None
    issued_at: datetime
    title: str
    institution_name: str  # the official name (the registry's ``name_official``)
    status_list_credentials: list[str]
    delivery: Delivery | None = None
    # The registry's ``name_english``, where it has one: mail in English names the
    # institution by it (optional: events without it name it officially).
    institution_name_english: str | None = None


class _StatusEvent(_IssuerEvent):
    subject_field: ClassVar[str] = "credential_id"

    credential_id: str
    institution_id: str
    purpose: Literal["revocation", "suspension"]
    reason: str
    changed_at: datetime


class CredentialRevoked(_StatusEvent):
    event_type: ClassVar[str] = "credential.revoked"


class CredentialSuspended(_StatusEvent):
    event_type: ClassVar[str] = "credential.suspended"


class CredentialReinstated(_StatusEvent):
    event_type: ClassVar[str] = "credential.reinstated"


class VerificationMethod(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    controller: str
    public_key_multibase: str
    retired_at: datetime | None = None


class IssuerIdentityChanged(_IssuerEvent):
    """``issuer.identity_changed``: an institution's DID and all its keys, current first."""

    event_type: ClassVar[str] = "issuer.identity_changed"
    subject_field: ClassVar[str] = "institution_id"

    institution_id: str
    did: str
    method: Literal["web", "key"]
    verification_methods: list[VerificationMethod]
    # Every DID this institution has issued under (did:key changes with the key).
    former_dids: list[str] = Field(default_factory=list)


class LearnerErased(_IssuerEvent):
    """``learner.erased``: purge what you hold about this learner of this institution."""

    event_type: ClassVar[str] = "learner.erased"
    subject_field: ClassVar[str] = "learner_ref"

    institution_id: str
    learner_ref: str
    credential_ids: list[str]
