"""Issuer identity answers and choices."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class IssuerOut(BaseModel):
    institution_id: str
    did: str
    method: Literal["web", "key"]
    verification_methods: list[dict[str, Any]]
    did_document_url: str | None


class MethodIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    method: Literal["web", "key"]
