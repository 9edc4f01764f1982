"""Delivery status bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel

State = Literal["queued", "sent", "retrying", "failed", "bounced"]


class DeliveryStatus(BaseModel):
    channel: Literal["email", "webhook"]
    event_type: str
    event_id: str
    endpoint_id: UUID | None
    state: State
    attempts: int
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    last_error: str | None
    parked: bool


class CredentialDeliveries(BaseModel):
    credential_id: str
    deliveries: list[DeliveryStatus]
