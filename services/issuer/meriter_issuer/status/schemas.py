"""Credential status changes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    purpose: Literal["revocation", "suspension"]
    value: bool
    reason: str = Field(min_length=1, max_length=500)


class StatusOut(BaseModel):
    credential_id: str
    revoked: bool
    suspended: bool
    status: Literal["active", "suspended", "revoked"]
