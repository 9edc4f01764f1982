"""What an institution reads about its own signed credentials."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

CredentialStatus = Literal["active", "suspended", "revoked"]


class CredentialItem(BaseModel):
    credential_id: str
    result_id: str | None
    issued_at: datetime
    status: CredentialStatus
    supersedes: str | None = Field(
        default=None, description="The credential this one replaced (its result's correction)"
    )
    superseded_by: str | None = Field(
        default=None, description="The credential that replaced this one (revoked as superseded)"
    )


class CredentialsPage(BaseModel):
    items: list[CredentialItem]
    next_cursor: str | None
