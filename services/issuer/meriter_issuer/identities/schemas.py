"""Issuer identity answers and choices."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field


class IssuerOut(BaseModel):
    institution_id: str
    did: str
    method: Literal["web", "key"]
    verification_methods: list[dict[str, Any]]
    did_document_url: str | None


class MethodIn(BaseModel):
    """The DID method to issue under: ``{"did_method": "key"}`` (the contract's name);
    ``{"method": "key"}``, the name first shipped, is accepted as well."""

    model_config = ConfigDict(extra="forbid")
    did_method: Literal["web", "key"] = Field(
        validation_alias=AliasChoices("did_method", "method"),
        description="web (the default) or key",
    )
