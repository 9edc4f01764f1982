"""Webhook request and response bodies (not event payloads)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

EventType = Literal[
    "credential.issued",
    "credential.revoked",
    "credential.suspended",
    "credential.reinstated",
    "result.held",
    "result.rejected",
]


class EndpointIn(BaseModel):
    url: str = Field(max_length=2000, description="An https URL on a public address.")
    event_types: list[EventType] = Field(min_length=1, max_length=6)
    description: str | None = Field(default=None, max_length=500)

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://ladok.example.se/meriter/webhooks",
                    "event_types": ["credential.issued", "credential.revoked"],
                }
            ]
        },
    )


class EndpointOut(BaseModel):
    id: UUID
    institution_id: str
    url: str
    event_types: list[str]
    description: str | None
    created_at: datetime


class EndpointCreated(EndpointOut):
    secret: str = Field(
        description="The signing secret (whsec_…): shown here only; keep it to verify signatures."
    )


class EndpointsPage(BaseModel):
    items: list[EndpointOut]


class ParkedDelivery(BaseModel):
    id: int
    endpoint_id: UUID | None
    event_id: str
    event_type: str
    credential_id: str | None
    result_id: str | None
    attempts: int
    last_error: str | None
    parked_at: datetime


class ParkedPage(BaseModel):
    items: list[ParkedDelivery]
    next_cursor: str | None


class ReplayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    delivery_ids: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] | None = Field(
        default=None,
        max_length=10_000,
        description="Parked deliveries to send again; absent: every parked delivery.",
    )


class ReplayOut(BaseModel):
    replayed: int
