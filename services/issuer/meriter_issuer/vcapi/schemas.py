"""W3C VC-API request and answer bodies (issue credential, update credential status)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Suite = Literal["eddsa-rdfc-2022", "eddsa-jcs-2022"]
Purpose = Literal["revocation", "suspension"]


class StatusRequest(BaseModel):
    """``options.credentialStatus``: ask for a Bitstring Status List entry of this purpose."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["BitstringStatusListEntry"]
    statusPurpose: Purpose


class ProofOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    cryptosuite: Suite | None = None


class IssueOptions(BaseModel):
    """VC-API issue options. Unknown options (e.g. ``mandatoryPointers``) are ignored."""

    model_config = ConfigDict(extra="allow")
    credentialId: str | None = Field(default=None, min_length=1, max_length=2000)
    credentialStatus: StatusRequest | list[StatusRequest] | None = None
    cryptosuite: Suite | None = Field(
        default=None, description="eddsa-rdfc-2022 (the default) or eddsa-jcs-2022"
    )
    proof: ProofOptions | None = None

    def suite(self) -> Suite | None:
        return self.cryptosuite or (self.proof.cryptosuite if self.proof else None)

    def purposes(self) -> list[Purpose]:
        asked = self.credentialStatus
        if asked is None:
            return []
        entries = asked if isinstance(asked, list) else [asked]
        return list(dict.fromkeys(e.statusPurpose for e in entries))


class IssueRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    credential: dict[str, Any] = Field(description="the unsigned credential (VC DM 2.0 or 1.1)")
    options: IssueOptions = Field(default_factory=IssueOptions)


class IssueResponse(BaseModel):
    verifiableCredential: dict[str, Any]


class StatusTarget(BaseModel):
    """Which status of the credential: its Bitstring Status List entry of this purpose."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["BitstringStatusListEntry", "BitstringStatusList"]
    statusPurpose: Purpose
    id: str | None = None
    statusListIndex: str | None = None
    statusListCredential: str | None = None


class UpdateStatusRequest(BaseModel):
    """VC-API ``UpdateCredentialStatusRequest``; ``reason`` is Meriter's own (optional) field."""

    model_config = ConfigDict(extra="forbid")
    credentialId: str = Field(min_length=1, max_length=2000)
    credentialStatus: StatusTarget
    status: bool = Field(description="true sets the status (revoked, suspended), false clears it")
    reason: str | None = Field(default=None, min_length=1, max_length=500)


class UpdatedStatus(BaseModel):
    credential_id: str
    revoked: bool
    suspended: bool
    status: Literal["active", "suspended", "revoked"]


class UpdateStatusResponse(BaseModel):
    credentialId: str
    credentials: list[UpdatedStatus]
