"""OAuth client and token bodies (not the ``client.*`` event payloads, which
never carry a secret)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from meriter_registry.fields import OptionalId

ClientRole = Literal["admin", "agency", "institution"]


def _number_as_text(value: Any) -> Any:
    """DEQAR's ids are numbers in its JSON: 33 names what "33" names."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class ClientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    role: ClientRole
    tenant_id: Annotated[OptionalId, BeforeValidator(_number_as_text)] = Field(
        default=None,
        max_length=200,
        description="agency: its id, DEQAR id (a number in DEQAR) or acronym (any case); "
        "institution: its id, DEQAR id (DEQARINST0001) or DEQAR's numeric id (1) "
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
    expires_in: int = Field(
        description="seconds the token is valid from now (300 unless the registry is set "
        "otherwise); then ask the token endpoint for a new one",
        examples=[300],
    )
