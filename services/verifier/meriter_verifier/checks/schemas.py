"""Request and response bodies of ``POST /v1/verify``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from meriter_shared.validation import Instant


class Holder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identifier: str = Field(
        min_length=1,
        max_length=256,
        description="The learner's identifier (e.g. a personal identity number), compared "
        "with the credential's salted hash; never stored or logged.",
    )


class VerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    credential: dict[str, Any] | None = Field(
        default=None, description="A verifiable credential (JSON-LD)."
    )
    presentation: dict[str, Any] | None = Field(
        default=None, description="A verifiable presentation holding credentials."
    )
    at: Instant | None = Field(
        default=None, description="Judge validity and status at this moment instead of now."
    )
    holder: Holder | None = None
    challenge: str | None = Field(
        default=None, max_length=1024, description="A presentation's expected proof challenge."
    )
    domain: str | None = Field(
        default=None, max_length=1024, description="A presentation's expected proof domain."
    )

    @model_validator(mode="after")
    def _one_document(self) -> VerifyRequest:
        if (self.credential is None) == (self.presentation is None):
            raise ValueError("give exactly one of credential and presentation")
        return self


CheckName = Literal[
    "format",
    "proof",
    "issuer",
    "quality_assurance",
    "validity",
    "status",
    "annex_i",
    "holder",
]  # in the order the checks are answered
CheckStatus = Literal["pass", "fail", "warn", "not_applicable"]
VerdictName = Literal["verified", "verified_with_warnings", "not_verified"]


class CheckOut(BaseModel):
    name: CheckName
    status: CheckStatus
    message: str
    evidence: dict[str, Any]


class CredentialTrust(BaseModel):
    trusted: bool = Field(
        description="Whether ``credential``'s values can be relied on: false when the "
        "verdict is not_verified, and they are only what the document claims."
    )
    failed_checks: list[CheckName] = Field(description="The checks that failed, if any.")
    note: str = Field(description="What to make of the values, in the asker's language.")


class VerifyResponse(BaseModel):
    verdict: VerdictName
    checks: list[CheckOut]
    credential: dict[str, Any] | None = Field(
        default=None,
        description="What the credential says, for display, read from the document as sent: "
        "rely on it only when ``credential_trust.trusted`` is true.",
    )
    credential_trust: CredentialTrust | None = Field(
        default=None,
        description="Whether ``credential`` can be trusted; present whenever it is.",
    )
    credentials: list[dict[str, Any]] | None = Field(
        default=None, description="A presentation's credentials, each with its own checks."
    )
