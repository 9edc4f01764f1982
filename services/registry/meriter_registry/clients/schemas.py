"""OAuth client and token bodies (not the ``client.*`` event payloads, which
never carry a secret)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from meriter_registry.fields import OptionalId

ClientRole = Literal["admin", "agency", "institution"]


class ClientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    role: ClientRole
    tenant_id: OptionalId = Field(
        default=None,
        max_length=200,
        description="agency: its id, DEQAR id or acronym; institution: its id or DEQAR id "
        "(stored as the platform id)",
    )

    @model_validator(mode="after")
    def _tenant(self) -> ClientIn:
        if (self.role == "admin") != (self.tenant_id is None):
            raise ValueError("agency and institution clients need tenant_id; admin has none")
        return self


class ClientCreated(BaseModel):
    client_id: str
    client_secret: str
    role: ClientRole
    tenant_id: str | None


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - a token type, not a secret
    expires_in: int
