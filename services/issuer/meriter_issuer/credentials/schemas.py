"""What an institution reads about its own signed credentials."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

CredentialStatus = Literal["active", "suspended", "revoked"]


class CredentialItem(BaseModel):
    credential_id: str
    result_id: str | None
    issued_at: datetime
    status: CredentialStatus


class CredentialsPage(BaseModel):
    items: list[CredentialItem]
    next_cursor: str | None
