"""Erasure request and answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ErasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    identifier: str = Field(
        min_length=1,
        max_length=200,
        description="the learner's identifier as the institution posted it with results",
    )


class ErasureOut(BaseModel):
    erasure_id: str
    results: int = Field(description="results whose learner data was removed")
    rejected: int = Field(description="of those, results still open, now rejected as erased")
    credentials: int = Field(description="stored credential copies removed")
    claims: int = Field(description="claim links withdrawn")
    credential_ids: list[str] = Field(
        description="the credentials issued to the learner: still verifiable, status changeable"
    )
    erased_at: datetime
